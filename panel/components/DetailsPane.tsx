import { formatBytes } from '../../src/format';
import type { FooterDescription } from '../../src/parquet/describe';
import { usePanel } from '../context';
import { hasDeceptiveCharacters, spelledOut } from '../names';
import { HEX_PAGE_BYTES, type ContentPreview, type Loaded } from '../details';
import { hexRows } from '../preview-kind';
import { locksNaming } from '../../src/opfs/formats';
import type { FileReport } from '../../src/opfs/classify';
import type { HandleProbe } from '../../src/opfs/page-answers';
import type { DatabaseContents } from '../../src/protocol';
import { counted } from '../store';

/** The selected file: its facts, and what the controller read of it (footer, first rows). */
export function DetailsPane() {
  const { store, controller } = usePanel();
  const view = store.view.value;
  const path = store.selected.value;
  const file = view && path !== null ? view.listing.report(path) : undefined;
  if (!file) return null;
  const details = store.details.value?.path === file.path ? store.details.value : null;
  const footer: Loaded<FooterDescription> = details?.footer ?? { kind: 'none' };
  const preview: Loaded<ContentPreview> = details?.preview ?? { kind: 'none' };
  return (
    <aside class="details" data-testid="details">
      <div class="details-head">
        <h3 class="details-title">
          <bdi>{file.name}</bdi>
        </h3>
        <button class="close" title="Close details" aria-label="Close details" onClick={() => controller.select(null)}>
          ✕
        </button>
      </div>
      <dl class="facts">
        <dt>Path</dt>
        <dd>
          <bdi>{file.path}</bdi>
        </dd>
        {hasDeceptiveCharacters(file.path) ? (
          <>
            <dt>Spelled out</dt>
            <dd data-testid="name-spelled-out">
              <span class="badge badge-temp">⚠ hidden characters</span> <bdi>{spelledOut(file.path)}</bdi>
            </dd>
          </>
        ) : null}
        <dt>Size</dt>
        <dd>
          {formatBytes(file.size)} ({file.size.toLocaleString('en-US')} bytes)
        </dd>
        <dt>Status</dt>
        <dd>
          <span class={`badge badge-${file.status}`}>{file.status}</span> {file.reason}
        </dd>
        {file.lastModified > 0 ? (
          <>
            <dt>Modified</dt>
            <dd>{new Date(file.lastModified).toLocaleString()}</dd>
          </>
        ) : null}
        <dt>Format</dt>
        <dd data-testid="details-format">
          {file.format}
          {file.slotName ? (
            <>
              {' '}
              — opfs-sahpool slot of <bdi data-testid="slot-name">{file.slotName}</bdi>
            </>
          ) : file.slotName === '' ? ' — a free opfs-sahpool slot' : null}
        </dd>
        {file.databaseName !== undefined ? (
          <>
            <dt>Database</dt>
            <dd>
              <bdi>{file.databaseName}</bdi>
            </dd>
          </>
        ) : null}
        {file.keep ? (
          <>
            <dt>Purge</dt>
            <dd>{file.keep}</dd>
          </>
        ) : null}
      </dl>
      <FormatFields fields={file.formatFields} />
      <LocksNamingIt file={file} locks={view?.listing.handles?.locks} />
      <button data-testid="download-file" onClick={() => void controller.download({ file })}>
        Download
      </button>
      <TablesView tables={details?.tables ?? { kind: 'none' }} />
      <FooterView footer={footer} />
      <PreviewView preview={preview} size={file.size} />
    </aside>
  );
}

function FormatFields({ fields }: { fields: FileReport['formatFields'] }) {
  if (!fields || fields.length === 0) return null;
  return (
    <section data-testid="format-fields">
      <h4>Header</h4>
      <table class="mini">
        <tbody>
          {fields.map(([label, value]) => (
            <tr key={label} data-field={label}>
              <th>{label}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The Web Locks of the page whose names mention this file (DuckDB-WASM, sqlite-wasm and apps name theirs after files). */
function LocksNamingIt({ file, locks }: { file: FileReport; locks: HandleProbe['locks'] | undefined }) {
  if (!locks) return null;
  const held = locksNaming(file, locks.held);
  const pending = locksNaming(file, locks.pending);
  if (held.length === 0 && pending.length === 0) return null;
  return (
    <section data-testid="file-locks">
      <h4>Web Locks naming it</h4>
      <ul>
        {held.map((lock, i) => (
          <li key={`h${i}`} data-lock-state="held">
            <bdi>{lock.name}</bdi> — held ({lock.mode})
          </li>
        ))}
        {pending.map((lock, i) => (
          <li key={`p${i}`} data-lock-state="pending">
            <bdi>{lock.name}</bdi> — waited for ({lock.mode})
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A database's tables with row counts and columns, as its own engine read them from a copy (`data-table`, `data-rows`). */
function TablesView({ tables }: { tables: Loaded<DatabaseContents> }) {
  if (tables.kind === 'none') return null;
  if (tables.kind === 'loading') return <p class="hint">Reading its tables from a copy…</p>;
  if (tables.kind === 'failed') {
    return (
      <p class="error" data-testid="database-tables" data-state="failed">
        Its tables could not be read: {tables.error}
      </p>
    );
  }
  if (tables.kind !== 'done') return null;
  const { readBy, note } = tables.value;
  return (
    <section data-testid="database-tables" data-state="done">
      <h4>
        {counted(tables.value.tables.length, 'table')}, read by {readBy} from a copy
      </h4>
      {note ? <p class="hint">{note}</p> : null}
      <table class="mini">
        <thead>
          <tr>
            <th>Table</th>
            <th>Rows</th>
            <th>Columns</th>
          </tr>
        </thead>
        <tbody>
          {tables.value.tables.map((table) => (
            <tr key={table.name} data-table={table.name} data-rows={String(table.rows)}>
              <td>
                <bdi>{table.name}</bdi>
              </td>
              <td class="num">{table.rows.toLocaleString('en-US')}</td>
              <td>{table.columns.map((c) => `${c.name} ${c.type}`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function FooterView({ footer }: { footer: Loaded<FooterDescription> }) {
  if (footer.kind === 'none') return null;
  if (footer.kind === 'loading') return <p class="hint">Reading the footer…</p>;
  if (footer.kind === 'failed') return <p class="error">Footer: {footer.error}</p>;
  if (footer.kind !== 'done') return null;
  const f = footer.value;
  return (
    <section data-testid="footer-details">
      <h4>
        Parquet footer: {f.rows.toLocaleString('en-US')} rows in {f.rowGroups.length} row group{f.rowGroups.length === 1 ? '' : 's'}
      </h4>
      {f.createdBy ? <p class="hint">Written by {f.createdBy}</p> : null}
      <table class="mini">
        <thead>
          <tr>
            <th>Column</th>
            <th>Type</th>
            <th>Codec</th>
            <th>Compressed</th>
            <th>Raw</th>
          </tr>
        </thead>
        <tbody>
          {f.columns.map((c) => (
            <tr key={c.name}>
              <td>{c.name}</td>
              <td>{c.type}</td>
              <td>{c.codec}</td>
              <td>{formatBytes(c.compressedBytes)}</td>
              <td>{formatBytes(c.uncompressedBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * The preview, whatever the file holds. Test contract: `preview` with `data-kind` (`text`,
 * `json`, `csv`, `image`, `hex`, `parquet`); `preview-why` says why that kind;
 * `preview-failed` says why there is none.
 */
function PreviewView({ preview, size }: { preview: Loaded<ContentPreview>; size: number }) {
  const { controller } = usePanel();
  if (preview.kind === 'none') return null;
  if (preview.kind === 'loading') return <p class="hint">Reading the first bytes…</p>;
  if (preview.kind === 'failed') return <p class="error" data-testid="preview-failed">Preview: {preview.error}</p>;
  const value = preview.value;
  const heading =
    value.kind === 'parquet' || value.kind === 'csv' ? `First ${value.rows.length} rows` : value.kind === 'hex' ? 'Bytes' : value.kind === 'image' ? 'Image' : value.kind === 'json' ? 'JSON' : 'Text';
  return (
    <section data-testid="preview" data-kind={value.kind} class="preview">
      <div class="preview-head">
        <h4>{heading}</h4>
        <span class="meta" data-testid="preview-why">
          {value.kind}: {value.why}
        </span>
        {value.kind !== 'hex' && size > 0 ? (
          <button class="link" data-testid="preview-as-hex" onClick={() => void controller.previewHex(0)}>
            Hex
          </button>
        ) : null}
      </div>
      {value.note ? <p class="hint" data-testid="preview-note">{value.note}</p> : null}
      <PreviewBody value={value} />
    </section>
  );
}

function PreviewBody({ value }: { value: ContentPreview }) {
  switch (value.kind) {
    case 'parquet':
    case 'csv':
      return <TablePreview columns={value.columns} rows={value.rows} />;
    case 'text':
    case 'json':
      return <pre class="preview-text">{value.text}</pre>;
    case 'image':
      return <img class="preview-image" src={value.url} alt="" />;
    case 'hex':
      return <HexView offset={value.offset} bytes={value.bytes} size={value.size} />;
  }
}

function TablePreview({ columns, rows }: { columns: string[]; rows: string[][] }) {
  return (
    <div class="preview-scroll">
      <table class="mini">
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {row.map((cell, j) => (
                <td key={j} class={cell === 'NULL' ? 'null' : ''}>
                  {cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A page of bytes at any offset: previous, next, and a box to jump to an offset (decimal or 0x hex). */
function HexView({ offset, bytes, size }: { offset: number; bytes: Uint8Array; size: number }) {
  const { controller } = usePanel();
  const jump = (event: Event) => {
    event.preventDefault();
    const text = ((event.currentTarget as HTMLFormElement).elements.namedItem('offset') as HTMLInputElement).value.trim();
    const at = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : Number(text);
    if (Number.isFinite(at) && at >= 0) void controller.previewHex(at);
  };
  return (
    <div class="hex">
      <form class="hex-nav" onSubmit={jump}>
        <button type="button" data-testid="hex-previous" disabled={offset === 0} onClick={() => void controller.previewHex(Math.max(0, offset - HEX_PAGE_BYTES))}>
          ◀
        </button>
        <span class="meta" title={`bytes ${offset.toLocaleString('en-US')} to ${(offset + bytes.length).toLocaleString('en-US')} of ${size.toLocaleString('en-US')}`}>
          0x{offset.toString(16)}–0x{(offset + bytes.length).toString(16)} of {formatBytes(size)}
        </span>
        <button type="button" data-testid="hex-next" disabled={offset + bytes.length >= size} onClick={() => void controller.previewHex(offset + HEX_PAGE_BYTES)}>
          ▶
        </button>
        <input name="offset" data-testid="hex-offset" placeholder="go to offset" size={12} aria-label="Go to offset" />
      </form>
      <pre class="hex-dump" data-testid="hex-dump" data-offset={offset}>
        {hexRows(bytes, offset)
          .map((r) => `${r.offset}  ${r.hex.padEnd(47)}  ${r.ascii}`)
          .join('\n')}
      </pre>
    </div>
  );
}
