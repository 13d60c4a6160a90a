import { usePanel } from '../context';
import { DATA_FORMATS } from '../../src/opfs/formats';
import { reduce } from '../store';
import type { SourceKind } from '../sources';
import { CsvPicker } from './CsvPicker';

const SOURCES: { kind: SourceKind; label: string; testId: string }[] = [
  { kind: 'page', label: 'Inspected page', testId: 'source-page' },
  { kind: 'extension', label: 'Extension', testId: 'source-extension' },
];

export function Toolbar() {
  const { store, controller } = usePanel();
  const source = store.source.value;
  const state = store.scans[source].value;
  const scanning = (state.kind === 'listing' && state.listing.stage !== 'done') || store.behind[source].value !== null;
  return (
    <header class="toolbar" role="toolbar">
      <div class="segmented" role="tablist" aria-label="Storage to list">
        {SOURCES.map((s) => (
          <button
            key={s.kind}
            role="tab"
            aria-selected={source === s.kind}
            class={source === s.kind ? 'selected' : ''}
            data-testid={s.testId}
            onClick={() => controller.selectSource(s.kind)}
          >
            {s.label}
          </button>
        ))}
      </div>
      <button data-testid="refresh" title="Scan again (Shift-click: read every file again)" disabled={scanning} onClick={(event) => void controller.refresh(undefined, { recheck: event.shiftKey, behind: true })}>
        ⟳ Refresh
      </button>
      <LiveToggle />
      <input
        class="filter"
        type="search"
        placeholder="Filter by path, status or format (format:sqlite)"
        aria-label="Filter files"
        data-testid="filter"
        value={store.filter.value}
        onInput={(e) => reduce(store, { type: 'filter', text: (e.target as HTMLInputElement).value })}
      />
      <select
        aria-label="Show files of one format"
        data-testid="format-filter"
        value={store.filter.value.startsWith('format:') ? store.filter.value.slice('format:'.length) : ''}
        onChange={(e) => {
          const format = (e.target as HTMLSelectElement).value;
          reduce(store, { type: 'filter', text: format ? `format:${format}` : '' });
        }}
      >
        <option value="">any format</option>
        {DATA_FORMATS.map((format) => (
          <option key={format} value={format}>
            {format}
          </option>
        ))}
      </select>
      <span class="spacer" />
      <CsvPicker />
    </header>
  );
}

/**
 * Live mode of the source shown (off by default): changes the storage records appear
 * without a refresh. Where the storage has no FileSystemObserver (Firefox), the box is
 * disabled and says why.
 */
function LiveToggle() {
  const { store, controller } = usePanel();
  const source = store.source.value;
  const live = store.live[source].value;
  const title =
    live.kind === 'unavailable'
      ? live.reason
      : 'Show changes as they happen: the storage reports them (FileSystemObserver), and nothing is read while nothing changes.';
  return (
    <label class={`live ${live.kind}`} title={title}>
      <input
        type="checkbox"
        data-testid="live"
        data-live={live.kind}
        checked={live.kind === 'on'}
        disabled={live.kind === 'unavailable'}
        onChange={(e) => void controller.setLive(source, (e.target as HTMLInputElement).checked)}
      />
      Live
    </label>
  );
}
