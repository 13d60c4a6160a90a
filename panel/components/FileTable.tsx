import { useEffect, useRef, useState } from 'preact/hooks';
import { formatBytes, formatCount } from '../../src/format';
import type { FileReport } from '../../src/opfs/classify';
import { usePanel } from '../context';
import { queryFileFormat } from '../../src/query-files';
import { reduce } from '../store';
import { hasDeceptiveCharacters, spelledOut } from '../names';
import type { SortKey } from '../store';
import { DRAG_TYPE, startDrag } from './FolderTree';
import { consumeKey } from './keys';

const ROW_HEIGHT = 21;
/** Rows rendered above and below the viewport, so fast scrolling shows no gaps. */
const OVERSCAN = 10;
/** More than the rows ever rendered at once (a viewport 20,000 px high plus the overscan). */
const ROW_SLOTS = 1024;

const COLUMNS: { key: SortKey | null; label: string; class: string }[] = [
  { key: 'status', label: 'Status', class: 'col-status' },
  { key: 'path', label: 'Path', class: 'col-path' },
  { key: 'size', label: 'Size', class: 'col-size' },
  { key: null, label: 'Rows', class: 'col-rows' },
  { key: 'modified', label: 'Modified', class: 'col-modified' },
];

/**
 * The file list. Renders only the rows in view: 10,000 files cost as much as 50. A `grid`
 * that takes the keyboard (see selection.ts and the controller's keyInList): the cursor row
 * shows a focus ring and is kept in view.
 */
export function FileTable() {
  const { store, controller } = usePanel();
  const files = store.visibleFiles.value.rows;
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

  // The keyboard moves the cursor; the row it lands on is scrolled into view.
  const onKeyDown = (event: KeyboardEvent) => {
    const pageRows = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    if (!controller.keyInList(event.key, { shift: event.shiftKey, command: event.ctrlKey || event.metaKey }, pageRows)) return;
    consumeKey(event);
    const element = viewport.current;
    const cursor = store.selection.value.cursor;
    const index = cursor === null ? -1 : store.visibleFiles.value.rows.findIndex((f) => f.report.path === cursor);
    if (!element || index < 0) return;
    const top = index * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTo({ top });
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) element.scrollTo({ top: top + ROW_HEIGHT - element.clientHeight });
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(files.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const sort = store.sort.value;
  const state = store.scans[store.source.value].value;

  return (
    <div class="file-table" role="grid" aria-rowcount={files.length} aria-multiselectable="true" tabIndex={0} data-testid="file-list" onKeyDown={onKeyDown}>
      <div class="file-header" role="row">
        {COLUMNS.map((c) => (
          <div
            key={c.label}
            role="columnheader"
            class={`${c.class} ${c.key ? 'sortable' : ''}`}
            aria-sort={c.key && sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : undefined}
            onClick={() => c.key && reduce(store, { type: 'sort', key: c.key })}
          >
            {c.label}
            {c.key && sort.key === c.key ? (sort.descending ? ' ▾' : ' ▴') : ''}
          </div>
        ))}
      </div>
      <div class="file-viewport" ref={viewport} onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}>
        <div style={{ height: `${files.length * ROW_HEIGHT}px`, position: 'relative' }}>
          {/* Keyed by slot, not by path: while a scan streams rows in and out of view, each slot's elements are updated in place instead of made anew. */}
          {files.slice(first, last).map(({ report }, i) => (
            <FileRow key={(first + i) % ROW_SLOTS} file={report} top={(first + i) * ROW_HEIGHT} />
          ))}
        </div>
        {state.kind === 'listing' && state.listing.stage !== 'walking' && files.length === 0 ? (
          <div class="empty-list">
            {store.filter.value
              ? 'No file matches the filter.'
              : store.folder.value !== ''
                ? 'This folder holds no files.'
                : state.listing.errors.length > 0
                ? 'No file could be listed: see the problems above.'
                : 'This origin has no files in OPFS.'}
          </div>
        ) : null}
      </div>
    </div>
  );
}

/**
 * A deep folder path gives way before the file's name does: the folder shrinks a thousand
 * times faster, so `level01/…/level20/file.txt` shows `level01/lev…/file.txt`.
 */
const PATH_STYLE = { display: 'flex', alignItems: 'baseline' };
const FOLDER_STYLE = { flex: '0 1000 auto', minWidth: '8ch', overflow: 'hidden', textOverflow: 'ellipsis' };
/** A short folder is shown whole. */
const SHORT_FOLDER_STYLE = { flex: 'none' };
const NAME_STYLE = { flex: '0 1 auto', minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis' };
const WARNING_STYLE = { flex: 'none', marginRight: '4px' };
const SEPARATOR_STYLE = { flex: 'none' };

function FileRow({ file, top }: { file: FileReport; top: number }) {
  const { store, controller, queries } = usePanel();
  const { paths, cursor } = store.selection.value;
  const selected = paths.has(file.path);
  return (
    <div
      role="row"
      class={`file-row status-${file.status} ${selected ? 'selected' : ''} ${cursor === file.path ? 'cursor' : ''} ${store.selected.value === file.path ? 'shown' : ''}`}
      style={{ top: `${top}px`, height: `${ROW_HEIGHT}px` }}
      data-testid="file-row"
      data-path={file.path}
      data-size={String(file.size)}
      data-status={file.status}
      data-format={file.format}
      data-in-use={file.inUse ? 'true' : 'false'}
      title={file.reason}
      aria-selected={selected}
      onClick={(e) => controller.clickRow(file.path, { range: e.shiftKey, toggle: e.ctrlKey || e.metaKey })}
      draggable
      onDragStart={(e) => {
        // A selected row carries the whole selection; another row, itself.
        const moving = selected ? [...store.chosen.value] : [file.path];
        e.dataTransfer?.setData(DRAG_TYPE, startDrag(store.source.value, moving));
        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
      }}
    >
      <div class="col-status">
        <span class={`badge badge-${file.status}`}>{file.status}</span>
      </div>
      <div class="col-path" style={PATH_STYLE}>
        {/* Names are text from the page: <bdi> keeps a direction override inside one name, and a warning comes first, before any ellipsis. */}
        {hasDeceptiveCharacters(file.path) ? (
          <span class="badge badge-temp" style={WARNING_STYLE} data-testid="name-warning" title={`This path holds invisible or direction-changing characters: ${spelledOut(file.path)}`}>
            ⚠ hidden characters
          </span>
        ) : null}
        {file.folder ? (
          <>
            <span class="folder" style={file.folder.length <= 12 ? SHORT_FOLDER_STYLE : FOLDER_STYLE}>
              <bdi>{file.folder}</bdi>
            </span>
            <span class="folder" style={SEPARATOR_STYLE}>
              /
            </span>
          </>
        ) : null}
        <bdi class="name" style={NAME_STYLE}>
          {file.name}
        </bdi>
        {file.format !== 'other' && file.format !== 'parquet' ? (
          <span class="format-tag" title={file.slotName ? `opfs-sahpool slot of ${file.slotName}` : `format: ${file.format}`}>
            {file.slotName ? `sahpool ${file.slotName}` : file.format}
          </span>
        ) : null}
        {file.inUse ? (
          <span class="badge badge-locked" title="A handle of the page holds it open right now">
            in use
          </span>
        ) : null}
        {file.size > 0 && (queryFileFormat(file.name) || file.format === 'duckdb') && file.health !== 'corrupt' ? (
          <button
            class="row-action"
            data-testid="open-in-query"
            title={file.format === 'duckdb' ? 'Open in Query: copy its tables into a schema named after it (from a copy of the file), and query them with SQL' : 'Open in Query: read it into a table named after it, and query it with SQL'}
            onClick={(e) => {
              e.stopPropagation();
              void (file.format === 'duckdb' ? queries.openDatabase(store.source.value, file) : queries.openFile(store.source.value, file));
            }}
          >
            Query
          </button>
        ) : null}
      </div>
      <div class="col-size" title={`${formatCount(file.size)} bytes`}>
        {formatBytes(file.size)}
      </div>
      <div class="col-rows">{file.parquet ? formatCount(file.parquet.rows) : ''}</div>
      <div class="col-modified">{file.lastModified > 0 ? formatTime(file.lastModified) : ''}</div>
    </div>
  );
}

function formatTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
