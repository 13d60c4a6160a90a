import { formatBytes } from '../../src/format';
import { usePanel } from '../context';

/** The health check: what needs attention, at the top, in words. */
export function SummaryBar() {
  const { store } = usePanel();
  const state = store.scans[store.source.value].value;
  if (state.kind === 'idle') return <div class="summary" data-testid="summary">Not scanned yet.</div>;
  if (state.kind === 'running') {
    return (
      <div class="summary" data-testid="summary" data-state="running">
        Scanning… {state.filesSeen.toLocaleString('en-US')} files so far
      </div>
    );
  }
  if (state.kind === 'failed') {
    return (
      <div class="summary error" data-testid="summary" data-state="failed" role="alert">
        {state.error}
      </div>
    );
  }
  const { summary, scan } = state.listing;
  const attention = summary.counts.empty + summary.counts.corrupt > 0;
  return (
    <div class={`summary ${attention ? 'warning' : ''}`} data-testid="summary" data-state="done" role={attention ? 'alert' : undefined}>
      <span class="sentence">{summary.sentence}</span>
      <span class="meta">
        {scan.origin} · {summary.totalFiles.toLocaleString('en-US')} files, {formatBytes(summary.totalBytes)}
        {scan.usage !== null && scan.quota !== null ? ` · origin uses ${formatBytes(scan.usage)} of ${formatBytes(scan.quota)}` : ''}
        {scan.truncated ? ' · listing truncated' : ''}
        {scan.errors.length > 0 ? ` · ${scan.errors.length} unreadable` : ''}
      </span>
    </div>
  );
}
