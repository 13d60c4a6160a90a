import { useLayoutEffect, useRef } from 'preact/hooks';
import { formatBytes } from '../../src/format';
import { usePanel } from '../context';
import { counted, reduce, type PurgeCategory, type PurgeSummary } from '../store';
import { onEscape } from './keys';

const LABELS: Record<PurgeCategory, { one: string; many: string; testId: string }> = {
  empty: { one: 'empty file', many: 'empty files', testId: 'purge-empty' },
  corrupt: { one: 'corrupt file', many: 'corrupt files', testId: 'purge-corrupt' },
  temp: { one: 'temporary file', many: 'temporary files', testId: 'purge-temp' },
  orphan: { one: 'orphaned log', many: 'orphaned logs', testId: 'purge-orphan' },
  incomplete: { one: 'file of incomplete snapshots', many: 'files of incomplete snapshots', testId: 'purge-incomplete' },
};

export function PurgeBar() {
  const { store, controller } = usePanel();
  const view = store.view.value;
  const purge = store.purge.value;
  // Usable as soon as the walk is over: empty files are known from their size alone.
  const listing = view && view.listing.stage !== 'walking' ? view.listing : undefined;
  const busy = purge.kind === 'running';
  return (
    <div class="purge-bar">
      {(Object.keys(LABELS) as PurgeCategory[]).map((category) => {
        const n = listing?.purgeableCount(category) ?? 0;
        if (n === 0) return null;
        return (
          <button key={category} class="danger" data-testid={LABELS[category].testId} disabled={busy} onClick={() => controller.askPurge(category)}>
            Purge {counted(n, LABELS[category].one, LABELS[category].many)}
          </button>
        );
      })}
      <PurgeResultLine />
    </div>
  );
}

/** The result of the last purge, in words: what went, what stayed and why. */
export function describePurge(r: PurgeSummary): string {
  const parts = [`Removed ${counted(r.removed, LABELS[r.category].one, LABELS[r.category].many)}, freed ${formatBytes(r.bytesFreed)}.`];
  if (r.locked.length > 0) parts.push(`${r.locked.length.toLocaleString('en-US')} skipped: held open by the page or in use by an export.`);
  if (r.changed.length > 0) parts.push(`${r.changed.length.toLocaleString('en-US')} kept: changed since they were listed.`);
  if (r.missing > 0) parts.push(`${r.missing.toLocaleString('en-US')} already removed (by the page or another window).`);
  if (r.failed.length > 0) parts.push(`${r.failed.length.toLocaleString('en-US')} could not be removed (${r.failed[0].error}).`);
  if (r.interrupted) {
    const { requested, stillThere } = r.interrupted;
    const left = stillThere === null ? 'the list could not be read again to say which are left' : `${counted(requested - stillThere, 'file')} of them are gone and ${stillThere.toLocaleString('en-US')} are still there, untouched`;
    const others = parts.slice(1).join(' ');
    return `The page reloaded or navigated during the purge, which stopped it. Of the ${counted(requested, 'file')} confirmed, ${left}.${others ? ` Before it stopped: ${others}` : ''}`;
  }
  return parts.join(' ');
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
  return (
    <span class={`purge-result ${r.interrupted ? 'error' : ''}`} data-testid="purge-result" data-state={r.interrupted ? 'failed' : 'done'} role={r.interrupted ? 'alert' : undefined}>
      {describePurge(r)}
    </span>
  );
}

/** One confirmation that lists exactly what will go. */
export function PurgeDialog() {
  const { store, controller } = usePanel();
  const request = store.purgeDialog.value;
  const ok = useRef<HTMLButtonElement>(null);
  // As in ConfirmDialog: OK takes the focus, Enter confirms, Escape cancels.
  useLayoutEffect(() => ok.current?.focus(), [request]);
  if (!request) return null;
  const bytes = request.files.reduce((sum, f) => sum + f.size, 0);
  const label = LABELS[request.category];
  const cancel = () => reduce(store, { type: 'purge-cancel' });
  return (
    <div class="dialog-backdrop" onClick={(e) => { if (e.target === e.currentTarget) cancel(); }}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="purge-title" data-testid="purge-dialog" onKeyDown={onEscape(cancel)}>
        <h2 id="purge-title">
          Delete {counted(request.files.length, label.one, label.many)} ({formatBytes(bytes)}) from {request.source === 'page' ? 'the inspected page' : 'the extension'}?
        </h2>
        <p>Only these files are deleted; files held open right now, or written to since they were listed, are kept and reported.</p>
        <FileList items={request.files} />
        <div class="dialog-buttons">
          <button data-testid="purge-cancel" onClick={cancel}>
            Cancel
          </button>
          <button class="danger" data-testid="purge-confirm" ref={ok} onClick={() => void controller.confirmPurge()}>
            Delete {counted(request.files.length, 'file')}
          </button>
        </div>
      </div>
    </div>
  );
}

/** The files a confirmation is about: every path (as text) with its size, the first 500 of them. */
export function FileList({ items }: { items: readonly { path: string; size: number }[] }) {
  return (
    <ul class="purge-list">
      {items.slice(0, 500).map((f) => (
        <li key={f.path}>
          <bdi class="path">{f.path}</bdi> <span class="size">{formatBytes(f.size)}</span>
        </li>
      ))}
      {items.length > 500 ? <li>… and {(items.length - 500).toLocaleString('en-US')} more</li> : null}
    </ul>
  );
}

/** The one generic confirmation (deleting a snapshot, and the file actions): lists exactly what goes. */
export function ConfirmDialog() {
  const { store } = usePanel();
  const request = store.confirm.value;
  const ok = useRef<HTMLButtonElement>(null);
  // OK takes the focus when the question appears (the autofocus attribute works once per document),
  // before it is painted: a key pressed the moment it shows goes to it. Enter confirms, Escape cancels.
  useLayoutEffect(() => ok.current?.focus(), [request]);
  if (!request) return null;
  const close = () => reduce(store, { type: 'confirm', request: null });
  return (
    <div class="dialog-backdrop" onClick={(e) => { if (e.target === e.currentTarget) close(); }}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title" data-testid="confirm-dialog" onKeyDown={onEscape(close)}>
        <h2 id="confirm-title">{request.title}</h2>
        <p>{request.detail}</p>
        <FileList items={request.items} />
        <div class="dialog-buttons">
          <button data-testid="confirm-cancel" onClick={close}>
            Cancel
          </button>
          <button class="danger" data-testid="confirm-ok" ref={ok} onClick={() => request.onConfirm()}>
            {request.okLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
