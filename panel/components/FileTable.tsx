import { useEffect, useRef, useState } from 'preact/hooks';
import { formatBytes } from '../../src/format';
import type { FileReport } from '../../src/opfs/classify';
import { usePanel } from '../context';
import type { SortKey } from '../store';

const ROW_HEIGHT = 21;
/** Rows rendered above and below the viewport, so fast scrolling shows no gaps. */
const OVERSCAN = 20;

const COLUMNS: { key: SortKey | null; label: string; class: string }[] = [
  { key: 'status', label: 'Status', class: 'col-status' },
  { key: 'path', label: 'Path', class: 'col-path' },
  { key: 'size', label: 'Size', class: 'col-size' },
  { key: null, label: 'Rows', class: 'col-rows' },
  { key: 'modified', label: 'Modified', class: 'col-modified' },
];

/** The file list. Renders only the rows in view: 10,000 files cost as much as 50. */
export function FileTable() {
  const { store } = usePanel();
  const files = store.visibleFiles.value;
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);

  useEffect(() => {
    const element = viewport.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(files.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const sort = store.sort.value;
  const state = store.scans[store.source.value].value;

  return (
    <div class="file-table" role="grid" aria-rowcount={files.length}>
      <div class="file-header" role="row">
        {COLUMNS.map((c) => (
          <div
            key={c.label}
            role="columnheader"
            class={`${c.class} ${c.key ? 'sortable' : ''}`}
            aria-sort={c.key && sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : undefined}
            onClick={() => c.key && (store.sort.value = nextSort(sort, c.key))}
          >
            {c.label}
            {c.key && sort.key === c.key ? (sort.descending ? ' ▾' : ' ▴') : ''}
          </div>
        ))}
      </div>
      <div class="file-viewport" ref={viewport} onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}>
        <div style={{ height: `${files.length * ROW_HEIGHT}px`, position: 'relative' }}>
          {files.slice(first, last).map((file, i) => (
            <FileRow key={file.path} file={file} top={(first + i) * ROW_HEIGHT} />
          ))}
        </div>
        {state.kind === 'done' && files.length === 0 ? (
          <div class="empty-list">{store.filter.value ? 'No file matches the filter.' : 'This origin has no files in OPFS.'}</div>
        ) : null}
      </div>
    </div>
  );
}

function nextSort(current: { key: SortKey; descending: boolean }, key: SortKey) {
  return { key, descending: current.key === key ? !current.descending : key === 'size' || key === 'modified' };
}

function FileRow({ file, top }: { file: FileReport; top: number }) {
  const { store } = usePanel();
  const selected = store.selected.value === file.path;
  return (
    <div
      role="row"
      class={`file-row status-${file.status} ${selected ? 'selected' : ''}`}
      style={{ top: `${top}px`, height: `${ROW_HEIGHT}px` }}
      data-testid="file-row"
      data-path={file.path}
      data-size={String(file.size)}
      data-status={file.status}
      title={file.reason}
      aria-selected={selected}
      onClick={() => (store.selected.value = file.path)}
    >
      <div class="col-status">
        <span class={`badge badge-${file.status}`}>{file.status}</span>
      </div>
      <div class="col-path">
        <span class="folder">{file.folder ? `${file.folder}/` : ''}</span>
        <span class="name">{file.name}</span>
      </div>
      <div class="col-size" title={`${file.size.toLocaleString('en-US')} bytes`}>
        {formatBytes(file.size)}
      </div>
      <div class="col-rows">{file.parquet ? file.parquet.rows.toLocaleString('en-US') : ''}</div>
      <div class="col-modified">{file.lastModified > 0 ? formatTime(file.lastModified) : ''}</div>
    </div>
  );
}

function formatTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
