import { formatBytes } from '../../src/format';
import { usePanel } from '../context';

/** Where a CSV import stands: progress while running, the result, or the error in words. */
export function ImportStatus() {
  const { store } = usePanel();
  const state = store.importState.value;
  if (state.kind === 'idle') return <div class="import-status" data-testid="export-status" data-state="idle" hidden />;
  if (state.kind === 'running') {
    return (
      <div class="import-status" data-testid="export-status" data-state="running">
        <span>{state.label}…</span>
        <progress value={state.fraction ?? undefined} max={1} />
      </div>
    );
  }
  if (state.kind === 'failed') {
    return (
      <div class="import-status error" data-testid="export-status" data-state="failed" role="alert">
        <span>Snapshot failed: {state.error}</span>
      </div>
    );
  }
  const r = state.result;
  return (
    <div class="import-status ok" data-testid="export-status" data-state="done" data-snapshot-id={r.manifest.snapshotId}>
      <span>
        Snapshot <b>{r.manifest.snapshotId}</b> of {r.fileName}: {r.rows.toLocaleString('en-US')} rows in {r.parts} verified part
        {r.parts === 1 ? '' : 's'}, {formatBytes(r.bytes)}, {(r.elapsedMs / 1000).toFixed(1)} s.
      </span>
    </div>
  );
}
