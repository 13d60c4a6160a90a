import { formatBytes } from '../../src/format';
import type { ScanError } from '../../src/opfs/page-scan';
import { usePanel } from '../context';

/** Problems listed at most; the rest are counted. */
const ERRORS_SHOWN = 100;

/**
 * The health check: what needs attention, at the top, in words. A failed scan shows the
 * message written for it (see `pageProblem` in inspected-window.ts); a scan that listed
 * some entries but not others says which, and why, below the sentence.
 */
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
  // Nothing listed but problems found: "No files" would be a claim the scan cannot make.
  const nothingReadable = summary.totalFiles === 0 && scan.errors.length > 0;
  const problems = scan.errors.length;
  return (
    <div class={`summary ${attention ? 'warning' : ''} ${nothingReadable ? 'error' : ''}`} data-testid="summary" data-state="done" role={attention || nothingReadable ? 'alert' : undefined}>
      <span class="sentence">{nothingReadable ? 'No files could be listed' : summary.sentence}</span>
      <span class="meta">
        {scan.origin} · {summary.totalFiles.toLocaleString('en-US')} files, {formatBytes(summary.totalBytes)}
        {scan.usage !== null && scan.quota !== null ? ` · origin uses ${formatBytes(scan.usage)} of ${formatBytes(scan.quota)}` : ''}
        {scan.truncated ? ' · listing truncated' : ''}
      </span>
      {problems > 0 ? <ScanErrors errors={scan.errors} open={nothingReadable} /> : null}
    </div>
  );
}

/** What the walk could not read, each with its path (as text) and the page's own error. */
function ScanErrors({ errors, open }: { errors: readonly ScanError[]; open: boolean }) {
  return (
    <details class="scan-errors" data-testid="scan-errors" open={open} style={{ flexBasis: '100%' }}>
      <summary>
        {errors.length.toLocaleString('en-US')} problem{errors.length === 1 ? '' : 's'} while reading this storage
      </summary>
      <ul class="meta" style={{ margin: '2px 0', maxHeight: '8em', overflow: 'auto' }}>
        {errors.slice(0, ERRORS_SHOWN).map((error, i) => (
          <li key={i} data-testid="scan-error">
            <bdi class="path">{error.path === '' ? '(the storage as a whole)' : error.path}</bdi>: {error.message}
          </li>
        ))}
        {errors.length > ERRORS_SHOWN ? <li>… and {(errors.length - ERRORS_SHOWN).toLocaleString('en-US')} more</li> : null}
      </ul>
    </details>
  );
}
