import { formatBytes, formatCount } from '../../src/format';
import type { ScanError } from '../../src/opfs/scan-types';
import { usePanel } from '../context';
import type { HandleProbe } from '../../src/opfs/page-answers';

/** Problems listed at most; the rest are counted. */
const ERRORS_SHOWN = 100;

/**
 * The health check: what needs attention, at the top, in words, as soon as the walk has
 * listed the files; then how far the content checks are. A failed scan shows the message
 * written for it (see `pageProblem` in inspected-window.ts); a scan that listed some
 * entries but not others says which, and why, below the sentence.
 *
 * Test contract: `data-state` is `running` while walking, `checking` while contents are
 * read, `done` (or `failed`); `data-scan` is new for each scan, a failed one too; `data-files` counts the files listed so far, `data-checked`
 * the files whose contents were checked.
 */
/**
 * What the probe of handles found, in one line: how many databases and logs the page holds
 * open (`data-held`), or why it could not be asked. Only when it asked about something.
 */
function HandlesNote({ probe }: { probe: HandleProbe | undefined }) {
  if (!probe || (probe.probed && probe.asked === 0)) return null;
  if (!probe.probed) {
    // The extension's own storage is not probed (its engine says what it writes): nothing to say there.
    return probe.why?.startsWith('the extension’s own storage') ? null : (
      <span class="meta" data-testid="handles-note" data-held="unknown">
        Could not ask which files the page holds open: {probe.why}
      </span>
    );
  }
  const held = probe.held.size;
  return (
    <span class="meta" data-testid="handles-note" data-held={String(held)} title={`Asked ${probe.asked} database and log files for a read-only handle; a free file's was held at most ${probe.longestHoldMs.toFixed(1)} ms and closed`}>
      {held > 0 ? `${formatCount(held)} of ${formatCount(probe.asked)} database file${probe.asked === 1 ? '' : 's'} held open by the page` : `none of ${formatCount(probe.asked)} database file${probe.asked === 1 ? '' : 's'} held open`}
    </span>
  );
}

export function SummaryBar() {
  const { store } = usePanel();
  const state = store.scans[store.source.value].value;
  if (state.kind === 'idle') return <div class="summary" data-testid="summary">Not scanned yet.</div>;
  if (state.kind === 'failed') {
    return (
      <div class="summary error" data-testid="summary" data-scan={String(state.serial)} data-state="failed" role="alert">
        {state.error}
      </div>
    );
  }
  // A refresh walking behind the listing shown: its progress is what the summary says.
  const listing = store.behind[store.source.value].value?.listing ?? state.listing;
  const behind = listing !== state.listing;
  const { summary } = listing.view();
  const files = listing.fileCount;
  // Behind the rows shown, the refresh runs until its listing takes their place (its checks start after).
  const walking = listing.stage === 'walking' || behind;
  const dataState = walking ? 'running' : listing.stage;
  const common = { 'data-testid': 'summary', 'data-scan': String(listing.serial), 'data-state': dataState, 'data-files': String(files), 'data-checked': String(listing.checked) };
  if (walking) {
    return (
      <div class="summary" {...common}>
        <span class="sentence">
          Listing… {formatCount(files)} file{files === 1 ? '' : 's'} in {formatCount(listing.directories.size)} folder{listing.directories.size === 1 ? '' : 's'}
        </span>
        {summary.counts.empty > 0 ? <span class="meta">{formatCount(summary.counts.empty)} empty so far</span> : null}
        {listing.checked > 0 ? <span class="meta">{formatCount(listing.checked)} checked so far</span> : null}
        {behind ? <span class="meta">the list shows the last scan until then</span> : null}
      </div>
    );
  }
  const attention = summary.counts.empty + summary.counts.corrupt > 0;
  // Nothing listed but problems found: "No files" would be a claim the scan cannot make.
  const nothingReadable = summary.totalFiles === 0 && listing.errors.length > 0;
  const problems = listing.errors.length;
  return (
    <div class={`summary ${attention ? 'warning' : ''} ${nothingReadable ? 'error' : ''}`} {...common} role={attention || nothingReadable ? 'alert' : undefined}>
      <span class="sentence">{nothingReadable ? 'No files could be listed' : summary.sentence}</span>
      {listing.stage === 'checking' ? (
        <span class="meta" data-testid="check-progress">
          {listing.toCheck === 0 && !listing.locksAnswered ? (
            'asking the page which files it holds open'
          ) : (
            <>
              checking {formatCount(listing.checked)} of {formatCount(listing.toCheck)} file{listing.toCheck === 1 ? '' : 's'}
              <progress value={listing.toCheck > 0 ? listing.checked / listing.toCheck : 0} max={1} />
            </>
          )}
        </span>
      ) : null}
      <HandlesNote probe={listing.handles} />
      <span class="meta">
        {listing.origin} · {formatCount(summary.totalFiles)} files, {formatBytes(summary.totalBytes)}
        {listing.usage !== null && listing.quota !== null ? ` · origin uses ${formatBytes(listing.usage)} of ${formatBytes(listing.quota)}` : ''}
        {listing.truncated ? ' · listing truncated' : ''}
      </span>
      {problems > 0 ? <ScanErrors errors={listing.errors} open={nothingReadable} /> : null}
    </div>
  );
}

/** What the walk could not read, each with its path (as text) and the page's own error. */
function ScanErrors({ errors, open }: { errors: readonly ScanError[]; open: boolean }) {
  return (
    <details class="scan-errors" data-testid="scan-errors" open={open} style={{ flexBasis: '100%' }}>
      <summary>
        {formatCount(errors.length)} problem{errors.length === 1 ? '' : 's'} while reading this storage
      </summary>
      <ul class="meta" style={{ margin: '2px 0', maxHeight: '8em', overflow: 'auto' }}>
        {errors.slice(0, ERRORS_SHOWN).map((error, i) => (
          <li key={i} data-testid="scan-error">
            <bdi class="path">{error.path === '' ? '(the storage as a whole)' : error.path}</bdi>: {error.message}
          </li>
        ))}
        {errors.length > ERRORS_SHOWN ? <li>… and {formatCount(errors.length - ERRORS_SHOWN)} more</li> : null}
      </ul>
    </details>
  );
}
