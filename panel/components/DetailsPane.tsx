import { useEffect, useState } from 'preact/hooks';
import { formatBytes } from '../../src/format';
import { describeMetadata, type FooterDescription } from '../../src/parquet/describe';
import type { FileReport } from '../../src/opfs/classify';
import { usePanel } from '../context';
import { reduce } from '../store';
import { hasDeceptiveCharacters, spelledOut } from '../names';
import { fileBuffer, previewRows, readMetadata, type Preview } from '../preview';

/** One path index per file list (a listing's lists never change): lookups stay O(1) at 100,000 files. */
const indexes = new WeakMap<readonly { path: string }[], Map<string, { path: string }>>();

function byPath<T extends { path: string }>(list: readonly T[]): Map<string, T> {
  let index = indexes.get(list) as Map<string, T> | undefined;
  if (!index) {
    index = new Map(list.map((item) => [item.path, item]));
    indexes.set(list, index);
  }
  return index;
}

type Loaded<T> = { kind: 'loading' } | { kind: 'done'; value: T } | { kind: 'failed'; error: string } | { kind: 'none'; why: string };

/** Footer metadata and first rows of the selected file, read cheaply (footer first). */
export function DetailsPane() {
  const { store, controller } = usePanel();
  const listing = store.currentListing.value;
  const path = store.selected.value;
  const file = listing && path !== null ? byPath(listing.files).get(path) : undefined;
  const source = store.source.value;
  const [footer, setFooter] = useState<Loaded<FooterDescription>>({ kind: 'none', why: '' });
  const [preview, setPreview] = useState<Loaded<Preview>>({ kind: 'none', why: '' });

  useEffect(() => {
    let live = true;
    setFooter({ kind: 'none', why: '' });
    setPreview({ kind: 'none', why: '' });
    if (!file || !listing || !file.parquet) return;
    const settle = <T,>(set: (v: Loaded<T>) => void, work: Promise<T>) => {
      set({ kind: 'loading' });
      work.then(
        (value) => live && set({ kind: 'done', value }),
        (error: unknown) => live && set({ kind: 'failed', error: error instanceof Error ? error.message : String(error) }),
      );
    };
    // Footer first (from the bytes the scan already read, for the page), then the rows.
    const probe = source === 'page' ? byPath(listing.scan.files).get(file.path)?.probe : undefined;
    const metadata = fileBuffer(source, file.path, file.size).then(async (buffer) => ({ buffer, metadata: await readMetadata(buffer, probe?.footer) }));
    settle(setFooter, metadata.then(({ metadata }) => describeMetadata(metadata)));
    settle(setPreview, metadata.then(({ buffer, metadata }) => previewRows(buffer, metadata)));
    return () => {
      live = false;
    };
  }, [file?.path, file?.lastModified, file?.size, source]);

  if (!file) return null;
  return (
    <aside class="details" data-testid="details">
      <div class="details-head">
        <h3 class="details-title">
          <bdi>{file.name}</bdi>
        </h3>
        <button class="close" title="Close details" aria-label="Close details" onClick={() => reduce(store, { type: 'select', path: null })}>
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
      <FooterView file={file} footer={footer} />
      <PreviewView preview={preview} />
    </aside>
  );
}

function FooterView({ file, footer }: { file: FileReport; footer: Loaded<FooterDescription> }) {
  if (!file.parquet) return null;
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
  if (preview.kind === 'none') return preview.why ? <p class="hint">{preview.why}</p> : null;
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
