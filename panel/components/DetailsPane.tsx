import { formatBytes } from '../../src/format';
import type { FooterDescription } from '../../src/parquet/describe';
import { usePanel } from '../context';
import { hasDeceptiveCharacters, spelledOut } from '../names';
import type { Loaded, Preview } from '../details';

/** The selected file: its facts, and what the controller read of it (footer, first rows). */
export function DetailsPane() {
  const { store, controller } = usePanel();
  const view = store.view.value;
  const path = store.selected.value;
  const file = view && path !== null ? view.listing.report(path) : undefined;
  if (!file) return null;
  const details = store.details.value?.path === file.path ? store.details.value : null;
  const footer: Loaded<FooterDescription> = details?.footer ?? { kind: 'none' };
  const preview: Loaded<Preview> = details?.preview ?? { kind: 'none' };
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
      </dl>
      <button data-testid="download-file" onClick={() => void controller.download({ file })}>
        Download
      </button>
      <FooterView footer={footer} />
      <PreviewView preview={preview} />
    </aside>
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

function PreviewView({ preview }: { preview: Loaded<Preview> }) {
  if (preview.kind === 'none') return null;
  if (preview.kind === 'loading') return <p class="hint">Reading the first rows…</p>;
  if (preview.kind === 'failed') return <p class="error">Preview: {preview.error}</p>;
  const { columns, rows } = preview.value;
  return (
    <section data-testid="preview">
      <h4>First {rows.length} rows</h4>
      <div class="preview-scroll">
        <table class="mini">
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c}>{c}</th>
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
    </section>
  );
}
