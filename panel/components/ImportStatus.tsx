import { formatBytes } from '../../src/format';
import { usePanel } from '../context';
import { reduce, type ImportEntry } from '../store';

/**
 * Every import of this panel's life, newest first, each with its own progress, result or
 * error in words, and a Cancel while it runs. The newest also carries the older test id
 * `export-status` (kept as an alias until the acceptance scripts move to `import-status`).
 */
export function ImportStatus() {
  const { store } = usePanel();
  const entries = store.imports.value;
  if (entries.length === 0) return <div class="import-status" data-testid="export-status" data-state="idle" hidden />;
  const [newest, ...older] = entries;
  // Imports still running stay in view; finished ones past the first few fold away.
  const shown = older.filter((entry, i) => i < 2 || entry.state.kind === 'running');
  const folded = older.filter((entry) => !shown.includes(entry));
  return (
    <div class="imports">
      <div data-testid="export-status" data-state={newest.state.kind} data-snapshot-id={snapshotIdOf(newest)}>
        <ImportLine entry={newest} />
      </div>
      {shown.map((entry) => (
        <ImportLine key={entry.id} entry={entry} />
      ))}
      {folded.length > 0 ? (
        <details class="earlier-imports">
          <summary>{folded.length.toLocaleString('en-US')} earlier import{folded.length === 1 ? '' : 's'}</summary>
          {folded.map((entry) => (
            <ImportLine key={entry.id} entry={entry} />
          ))}
        </details>
      ) : null}
    </div>
  );
}

function snapshotIdOf(entry: ImportEntry): string | undefined {
  return entry.state.kind === 'done' ? entry.state.result.manifest.snapshotId : undefined;
}

function ImportLine({ entry }: { entry: ImportEntry }) {
  const { store, controller } = usePanel();
  const state = entry.state;
  const common = { 'data-testid': 'import-status', 'data-state': state.kind, 'data-operation-id': entry.id, 'data-file-name': entry.fileName };
  if (state.kind === 'running' || state.kind === 'idle') {
    return (
      <div class="import-status" {...common}>
        <span>
          <b>{entry.fileName}</b>: {state.kind === 'running' ? state.label : 'Waiting'}…
        </span>
        <progress value={state.kind === 'running' ? (state.fraction ?? undefined) : undefined} max={1} />
        <button data-testid="import-cancel" onClick={() => void controller.cancelImport(entry.id)}>
          Cancel
        </button>
      </div>
    );
  }
  const dismiss = (
    <button class="close" aria-label="Dismiss" onClick={() => reduce(store, { type: 'import-dismiss', id: entry.id })}>
      ✕
    </button>
  );
  if (state.kind === 'failed') {
    return (
      <div class="import-status error" role="alert" {...common}>
        <span>
          Snapshot of <b>{entry.fileName}</b> failed: {state.error}
        </span>
        {dismiss}
      </div>
    );
  }
  const r = state.result;
  return (
    <div class="import-status ok" {...common} data-snapshot-id={r.manifest.snapshotId}>
      <div class="import-text">
        <span>
          Snapshot <b>{r.manifest.snapshotId}</b> of {r.fileName}: {r.rows.toLocaleString('en-US')} rows in {r.parts} verified part
          {r.parts === 1 ? '' : 's'}, {formatBytes(r.bytes)}, {(r.elapsedMs / 1000).toFixed(1)} s.
          {r.replaced ? ` It replaces ${r.replaced}.` : ''}
          {r.encoding !== 'utf-8' ? ` Read as ${r.encoding.toUpperCase()} and converted to UTF-8.` : ''}
        </span>
        <span class="hint" data-testid="import-header">
          {r.firstRowIsHeader ? `Column names from the first row: ${r.columns.slice(0, 8).join(', ')}${r.columns.length > 8 ? ', …' : ''}.` : `No header row: the first row is data; columns are named ${r.columns.slice(0, 3).join(', ')}….`}
          {r.headerLooksLikeData ? ' The first row looks like data, not names.' : ''}
        </span>
        {r.notes.map((note) => (
          <span class="hint" data-testid="import-note" key={note}>
            {note}
          </span>
        ))}
      </div>
      {entry.file ? (
        <button
          class={r.headerLooksLikeData ? '' : 'quiet'}
          data-testid="import-header-toggle"
          title={`Import ${entry.fileName} again and replace ${r.manifest.snapshotId} once the new snapshot is verified`}
          onClick={() => void controller.importAgainAsData(entry.id)}
        >
          {r.firstRowIsHeader ? 'The first row is data: import again' : 'The first row is a header: import again'}
        </button>
      ) : null}
      {dismiss}
    </div>
  );
}
