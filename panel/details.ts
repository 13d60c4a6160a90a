/**
 * What the details pane shows of the selected file, read by the controller (components do
 * no I/O): for Parquet, the footer (from the bytes the check already read, else from the
 * file's last bytes) and the first rows through hyparquet, which fetches only the byte
 * ranges of the first row group's column chunks. The same code serves both sources.
 */
import { parquetMetadata, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { describeMetadata, type FooterDescription } from '../src/parquet/describe';
import type { ScannedFile } from '../src/opfs/scan-types';
import type { OpfsSource } from './sources';

export type Loaded<T> = { kind: 'loading' } | { kind: 'done'; value: T } | { kind: 'failed'; error: string } | { kind: 'none' };

export interface Preview {
  columns: string[];
  rows: string[][];
}

export interface FileDetails {
  path: string;
  footer: Loaded<FooterDescription>;
  preview: Loaded<Preview>;
}

/** Byte ranges of a file of either source, as hyparquet reads them. */
export function sourceBuffer(source: OpfsSource, path: string, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start, end) {
      const { bytes } = await source.read(path, start, end ?? size);
      return bytes.buffer;
    },
  };
}

/** The footer's metadata: from bytes the check already has when given, else from the file's tail. */
async function readMetadata(buffer: AsyncBuffer, footer?: Uint8Array | null): Promise<FileMetaData> {
  if (footer) return parquetMetadata(footer.slice().buffer);
  const tail = new DataView(await buffer.slice(buffer.byteLength - 8));
  const footerLength = tail.getUint32(0, true);
  return parquetMetadata(await buffer.slice(Math.max(0, buffer.byteLength - 8 - footerLength)));
}

/** The first `limit` rows. */
async function previewRows(buffer: AsyncBuffer, metadata: FileMetaData, limit = 20): Promise<Preview> {
  const rows = await parquetReadObjects({ file: buffer, metadata, rowStart: 0, rowEnd: Math.min(limit, Number(metadata.num_rows)), compressors });
  const leaves = metadata.schema.slice(1).filter((e) => !e.num_children);
  const columns = leaves.map((e) => e.name);
  const dateOnly = leaves.map((e) => e.converted_type === 'DATE' || e.logical_type?.type === 'DATE');
  return { columns, rows: rows.map((row) => columns.map((c, i) => formatCell(row[c], dateOnly[i]))) };
}

function formatCell(value: unknown, dateOnly: boolean): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return dateOnly ? iso.slice(0, 10) : iso.replace('T', ' ').replace(/\.000Z$|Z$/, '');
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Loads the details of `file`, reporting each stage through `update` (loading, then the
 * footer, then the rows). A file that is not valid Parquet gets none.
 */
export async function loadDetails(source: OpfsSource, file: ScannedFile, update: (details: FileDetails) => void): Promise<void> {
  const details: FileDetails = { path: file.path, footer: { kind: 'none' }, preview: { kind: 'none' } };
  const isParquet = (file.name.endsWith('.parquet') || file.name.endsWith('.parquet.tmp')) && file.size >= 12;
  if (!isParquet) {
    update(details);
    return;
  }
  update({ ...details, footer: { kind: 'loading' }, preview: { kind: 'loading' } });
  const buffer = sourceBuffer(source, file.path, file.size);
  let metadata: FileMetaData;
  try {
    metadata = await readMetadata(buffer, file.probe?.footer);
  } catch (error) {
    update({ ...details, footer: { kind: 'failed', error: message(error) } });
    return;
  }
  const footer: Loaded<FooterDescription> = { kind: 'done', value: describeMetadata(metadata) };
  update({ ...details, footer, preview: { kind: 'loading' } });
  try {
    update({ ...details, footer, preview: { kind: 'done', value: await previewRows(buffer, metadata) } });
  } catch (error) {
    update({ ...details, footer, preview: { kind: 'failed', error: message(error) } });
  }
}
