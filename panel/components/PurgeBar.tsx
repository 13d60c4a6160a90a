import { formatBytes } from '../../src/format';
import { usePanel } from '../context';
import { reduce } from '../store';
import type { PurgeCategory } from '../store';

const LABELS: Record<PurgeCategory, { one: string; many: string; testId: string }> = {
  empty: { one: 'empty file', many: 'empty files', testId: 'purge-empty' },
  corrupt: { one: 'corrupt file', many: 'corrupt files', testId: 'purge-corrupt' },
  temp: { one: 'temporary file', many: 'temporary files', testId: 'purge-temp' },
};

export function PurgeBar() {
  const { store, controller } = usePanel();
  const listing = store.currentListing.value;
  const purge = store.purge.value;
  const counts = listing?.summary.counts;
  const busy = purge.kind === 'running';
  return (
    <div class="purge-bar">
      {(Object.keys(LABELS) as PurgeCategory[]).map((category) => {
        const n = counts?.[category] ?? 0;
        if (n === 0) return null;
        return (
          <button key={category} class="danger" data-testid={LABELS[category].testId} disabled={busy} onClick={() => controller.askPurge(category)}>
            Purge {n.toLocaleString('en-US')} {n === 1 ? LABELS[category].one : LABELS[category].many}
          </button>
        );
      })}
      <PurgeResultLine />
    </div>
  );
}

function PurgeResultLine() {
  const { store } = usePanel();
  const purge = store.purge.value;
  if (purge.kind === 'idle') return null;
  if (purge.kind === 'running') {
    return (
      <span class="purge-result" data-testid="purge-result" data-state="running">
        Purging… <progress value={purge.fraction ?? undefined} max={1} />
      </span>
    );
  }
  if (purge.kind === 'failed') {
    return (
      <span class="purge-result error" data-testid="purge-result" data-state="failed" role="alert">
        Purge failed: {purge.error}
      </span>
    );
  }
  const r = purge.result;
  const parts = [`Removed ${r.removed.toLocaleString('en-US')} ${LABELS[r.category][r.removed === 1 ? 'one' : 'many']}, freed ${formatBytes(r.bytesFreed)}.`];
  if (r.locked.length > 0) parts.push(`${r.locked.length} skipped: held open by the page or in use by an export.`);
  if (r.changed.length > 0) parts.push(`${r.changed.length} kept: changed since they were listed.`);
  if (r.missing > 0) parts.push(`${r.missing} already gone.`);
  if (r.failed.length > 0) parts.push(`${r.failed.length} could not be removed (${r.failed[0]!.error}).`);
  return (
    <span class="purge-result" data-testid="purge-result" data-state="done">
      {parts.join(' ')}
    </span>
  );
}

/** One confirmation that lists exactly what will go. */
export function PurgeDialog() {
  const { store, controller } = usePanel();
  const request = store.purgeDialog.value;
  if (!request) return null;
  const bytes = request.files.reduce((sum, f) => sum + f.size, 0);
  const label = LABELS[request.category];
  return (
    <div class="dialog-backdrop" onClick={(e) => { if (e.target === e.currentTarget) reduce(store, { type: 'purge-cancel' }); }}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="purge-title" data-testid="purge-dialog">
        <h2 id="purge-title">
          Delete {request.files.length.toLocaleString('en-US')} {request.files.length === 1 ? label.one : label.many} ({formatBytes(bytes)}) from{' '}
          {request.source === 'page' ? 'the inspected page' : 'the extension'}?
        </h2>
        <p>Only these files are deleted; files held open right now are skipped and reported.</p>
        <ul class="purge-list">
          {request.files.slice(0, 500).map((f) => (
            <li key={f.path}>
              <span class="path">{f.path}</span> <span class="size">{formatBytes(f.size)}</span>
            </li>
          ))}
          {request.files.length > 500 ? <li>… and {(request.files.length - 500).toLocaleString('en-US')} more</li> : null}
        </ul>
        <div class="dialog-buttons">
          <button data-testid="purge-cancel" onClick={() => reduce(store, { type: 'purge-cancel' })}>
            Cancel
          </button>
          <button class="danger" data-testid="purge-confirm" autoFocus onClick={() => void controller.confirmPurge()}>
            Delete {request.files.length.toLocaleString('en-US')} files
          </button>
        </div>
      </div>
    </div>
  );
}
