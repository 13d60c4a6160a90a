/**
 * What the details pane shows of the selected file, read by the controller (components do
 * no I/O), always by ranges — a file of any size costs at most a few reads:
 * - Parquet: the footer (from the bytes the check already read, else from the file's last
 *   bytes) and the first rows through hyparquet, which fetches only the byte ranges of the
 *   first row group's column chunks;
 * - any other file: its kind told from its first MiB (see preview-kind.ts), then text, JSON
 *   pretty-printed, CSV as a table, an image, or a hex dump at any offset.
 * The same code serves both sources.
 */
import { parquetMetadata, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { describeMetadata, type FooterDescription } from '../src/parquet/describe';
import type { ScannedFile } from '../src/opfs/scan-types';
import Papa from 'papaparse';
import type { OpfsSource } from './sources';
import { completeUtf8Length, detectKind, type DetectedKind } from './preview-kind';
import { formatBytes } from '../src/format';
import { counted } from './store';
import { detectFormat } from '../src/opfs/formats';
import { MAX_READ_BYTES } from './page-expressions';
import { sqliteTables } from './sqlite-tables';
import { withPageCopies } from './staged-copies';
import { backgroundClient } from '../src/messaging';
import type { DatabaseContents } from '../src/protocol';

export type Loaded<T> = { kind: 'loading' } | { kind: 'done'; value: T } | { kind: 'failed'; error: string } | { kind: 'none' };

/** How much of a text file is shown (and read). */
export const TEXT_PREVIEW_BYTES = 1024 * 1024;
/** Images up to this size are shown; larger ones in hex. */
export const IMAGE_PREVIEW_BYTES = 32 * 1024 * 1024;
/** Bytes a hex page shows. */
export const HEX_PAGE_BYTES = 4096;
/** CSV rows shown. */
const CSV_PREVIEW_ROWS = 100;

/** The first rows of a table (Parquet, CSV). */
export interface Preview {
  columns: string[];
  rows: string[][];
}

/** What the preview shows: the kind detected, why, and a note when it shows only a part. */
interface Shown {
  why: string;
  note?: string;
}
export type ContentPreview =
  | (Shown & Preview & { kind: 'parquet' | 'csv' })
  | (Shown & { kind: 'text' | 'json'; text: string })
  | (Shown & { kind: 'image'; url: string; mime: string })
  | (Shown & { kind: 'hex'; offset: number; bytes: Uint8Array; size: number });

export interface FileDetails {
  path: string;
  footer: Loaded<FooterDescription>;
  preview: Loaded<ContentPreview>;
  /** A database's tables, as its own engine reads them from a copy. */
  tables: Loaded<DatabaseContents>;
}

/** Databases larger than this are not copied into the panel to list their tables. */
export const DATABASE_COPY_LIMIT = 256 * 1024 * 1024;

/** A listed file as a read needs it: where it is, and the size and time it was listed with. */
type Listed = Pick<ScannedFile, 'path' | 'size' | 'lastModified'>;

/**
 * Bytes `start`..`end` of `file`, refused once it is not the file listed any more (its app
 * wrote to it): a preview of ranges read from two states, or of new bytes read with the
 * listed footer's offsets, would show values the file never held.
 */
async function readListed(source: OpfsSource, file: Listed, start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
  const read = await source.read(file.path, start, end);
  if (read.size !== file.size || read.lastModified !== file.lastModified) throw new Error('it changed since it was listed (its app wrote to it): refresh and select it again');
  return read.bytes;
}

/** A copy of `file`'s bytes from `start` on, read by ranges (a few in flight); refused if the file changes (see readListed). */
async function copyOf(source: OpfsSource, file: ScannedFile, start: number): Promise<Uint8Array> {
  const length = file.size - start;
  if (length > DATABASE_COPY_LIMIT) throw new Error(`its ${formatBytes(length)} are more than the ${formatBytes(DATABASE_COPY_LIMIT)} the panel copies to read a database`);
  const copy = new Uint8Array(length);
  let next = start;
  const reader = async (): Promise<void> => {
    while (next < file.size) {
      const at = next;
      const end = Math.min(file.size, at + MAX_READ_BYTES);
      next = end;
      copy.set(await readListed(source, file, at, end), at - start);
    }
  };
  await Promise.all([reader(), reader(), reader(), reader()]);
  return copy;
}

/**
 * The database `file` holds, if its header is sound: SQLite (from byte 0 of a database file,
 * from byte 4096 of an opfs-sahpool slot) or DuckDB.
 */
function databaseIn(file: ScannedFile): { engine: 'sqlite'; start: number } | { engine: 'duckdb' } | undefined {
  const verdict = detectFormat(file.name, file.size, file.head);
  if (verdict.problem !== undefined || file.size === 0) return undefined;
  if (verdict.format === 'sqlite') return { engine: 'sqlite', start: 0 };
  if (verdict.format === 'duckdb') return { engine: 'duckdb' };
  const holdsDatabase = verdict.fields.some(([label, value]) => label === 'Holds' && value === 'database') && verdict.fields.some(([label]) => label === 'Page size');
  if (verdict.format === 'sahpool' && holdsDatabase) return { engine: 'sqlite', start: 4096 };
  return undefined;
}

const engine = backgroundClient();

/** A database's tables, read by its own engine from a copy: SQLite here, DuckDB in the engine (the page's file copied to staging first). */
async function loadTables(source: OpfsSource, file: ScannedFile, database: NonNullable<ReturnType<typeof databaseIn>>): Promise<Loaded<DatabaseContents>> {
  try {
    if (database.engine === 'sqlite') return { kind: 'done', value: await sqliteTables(await copyOf(source, file, database.start)) };
    if (file.size > DATABASE_COPY_LIMIT) throw new Error(`its ${formatBytes(file.size)} are more than the ${formatBytes(DATABASE_COPY_LIMIT)} the panel copies to read a database`);
    const queryId = crypto.randomUUID();
    const describe = (path: string) => engine.call('describeDatabaseCopy', { path, queryId });
    const value = source.kind === 'extension' ? await describe(file.path) : await withPageCopies(source, [file], `database-${queryId}`, () => undefined, ([path]) => describe(path));
    return { kind: 'done', value };
  } catch (error) {
    return { kind: 'failed', error: message(error) };
  }
}

/** Byte ranges of a listed file of either source, as hyparquet reads them (see readListed). */
function sourceBuffer(source: OpfsSource, file: Listed): AsyncBuffer {
  return {
    byteLength: file.size,
    async slice(start, end) {
      return (await readListed(source, file, start, end ?? file.size)).buffer;
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
async function previewRows(buffer: AsyncBuffer, metadata: FileMetaData, limit = 20): Promise<ContentPreview> {
  const rows = await parquetReadObjects({ file: buffer, metadata, rowStart: 0, rowEnd: Math.min(limit, Number(metadata.num_rows)), compressors });
  const leaves = metadata.schema.slice(1).filter((e) => !e.num_children);
  const columns = leaves.map((e) => e.name);
  const dateOnly = leaves.map((e) => e.converted_type === 'DATE' || e.logical_type?.type === 'DATE');
  return { kind: 'parquet', why: 'a Parquet footer was read', columns, rows: rows.map((row) => columns.map((c, i) => formatCell(row[c], dateOnly[i]))) };
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
 * Loads the details of `file`, reporting each stage through `update`: for Parquet (by name
 * or by its magic bytes) the footer, then the rows; for any other file its preview; for a
 * SQLite database (a file, or the contents of an opfs-sahpool slot) also its tables, read by
 * SQLite from a copy of its bytes.
 */
export async function loadDetails(source: OpfsSource, file: ScannedFile, update: (details: FileDetails) => void): Promise<void> {
  const database = databaseIn(file);
  if (database !== undefined) {
    // Its tables load beside the preview; each update carries what is known of both.
    let current: FileDetails = { path: file.path, footer: { kind: 'none' }, preview: { kind: 'loading' }, tables: { kind: 'loading' } };
    update(current);
    const tables = loadTables(source, file, database).then((loaded) => update((current = { ...current, tables: loaded })));
    await loadPreview(source, file, (details) => update((current = { ...details, tables: current.tables })));
    await tables;
    return;
  }
  await loadPreview(source, file, update);
}

async function loadPreview(source: OpfsSource, file: ScannedFile, update: (details: FileDetails) => void): Promise<void> {
  const details: FileDetails = { path: file.path, footer: { kind: 'none' }, preview: { kind: 'loading' }, tables: { kind: 'none' } };
  const namedParquet = (file.name.endsWith('.parquet') || file.name.endsWith('.parquet.tmp')) && file.size >= 12;
  update(namedParquet ? { ...details, footer: { kind: 'loading' } } : details);
  try {
    if (namedParquet) {
      await loadParquet(source, file, details, update);
      return;
    }
    const head = await readListed(source, file, 0, Math.min(file.size, TEXT_PREVIEW_BYTES));
    const detected = detectKind(file.name, head, file.size);
    if (detected.kind === 'parquet') {
      update({ ...details, footer: { kind: 'loading' } });
      await loadParquet(source, file, details, update);
      return;
    }
    update({ ...details, preview: { kind: 'done', value: await contentPreview(source, file, head, detected) } });
  } catch (error) {
    update({ ...details, preview: { kind: 'failed', error: message(error) } });
  }
}

async function loadParquet(source: OpfsSource, file: ScannedFile, details: FileDetails, update: (details: FileDetails) => void): Promise<void> {
  const buffer = sourceBuffer(source, file);
  let metadata: FileMetaData;
  try {
    metadata = await readMetadata(buffer, file.probe?.footer);
  } catch (error) {
    // Not readable as Parquet: its first bytes say more than the error alone.
    const why = `its Parquet footer could not be read (${message(error)})`;
    update({ ...details, footer: { kind: 'failed', error: message(error) }, preview: { kind: 'done', value: await hexPreview(source, file, 0, why) } });
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

/** A page of the hex dump of `file` at `offset` (clamped to the file). */
export async function hexPreview(source: OpfsSource, file: Listed, offset: number, why: string): Promise<ContentPreview> {
  const { size } = file;
  const start = Math.max(0, Math.min(offset - (offset % 16), size - (size % 16 || 16)));
  const bytes = size === 0 ? new Uint8Array() : await readListed(source, file, start, Math.min(size, start + HEX_PAGE_BYTES));
  return { kind: 'hex', why, offset: start, bytes, size };
}

/** The preview of a file that is not Parquet, from its first bytes `head` and the kind they show. */
async function contentPreview(source: OpfsSource, file: ScannedFile, head: Uint8Array<ArrayBuffer>, detected: DetectedKind): Promise<ContentPreview> {
  const { why } = detected;
  const cut = head.length < file.size;
  const cutNote = cut ? `The first ${formatBytes(head.length)} of ${formatBytes(file.size)} are shown.` : undefined;
  switch (detected.kind) {
    case 'image': {
      if (file.size > IMAGE_PREVIEW_BYTES) return hexPreview(source, file, 0, `${why}; larger than ${formatBytes(IMAGE_PREVIEW_BYTES)}, so shown in hex`);
      const parts: Uint8Array<ArrayBuffer>[] = [head];
      for (let start = head.length; start < file.size; start += TEXT_PREVIEW_BYTES) parts.push(await readListed(source, file, start, Math.min(file.size, start + TEXT_PREVIEW_BYTES)));
      const mime = detected.mime ?? 'application/octet-stream';
      return { kind: 'image', why, mime, url: URL.createObjectURL(new Blob(parts, { type: mime })) };
    }
    case 'json': {
      const text = decodeText(head, cut);
      if (cut) return { kind: 'json', why, text, note: `${cutNote} Too large to pretty-print: shown as stored.` };
      try {
        return { kind: 'json', why, text: JSON.stringify(JSON.parse(text), null, 2) };
      } catch (error) {
        return { kind: 'text', why: `${why}, but not valid JSON: ${message(error)}`, text };
      }
    }
    case 'csv': {
      const text = decodeText(head, cut);
      // A cut file ends mid-row: only whole lines are parsed.
      const whole = cut ? text.slice(0, Math.max(0, text.lastIndexOf('\n'))) : text;
      const parsed = Papa.parse<string[]>(whole, { preview: CSV_PREVIEW_ROWS + 1, skipEmptyLines: 'greedy', delimiter: file.name.toLowerCase().endsWith('.tsv') ? '\t' : '' });
      const [header = [], ...rows] = parsed.data;
      const more = parsed.data.length > CSV_PREVIEW_ROWS || cut ? `The first ${counted(rows.length, 'row')} are shown.` : undefined;
      const problem = parsed.errors[0] ? ` Row ${(parsed.errors[0].row ?? 0) + 1}: ${parsed.errors[0].message}.` : '';
      const note = more || problem ? `${more ?? ''}${problem}`.trim() : undefined;
      return { kind: 'csv', why: `${why}, delimiter ${JSON.stringify(parsed.meta.delimiter)}`, note, columns: header, rows };
    }
    case 'text':
      return { kind: 'text', why, text: decodeText(head, cut), note: cutNote };
    default:
      return hexPreview(source, file, 0, why);
  }
}

/** UTF-8 text of `bytes`, without a byte-order mark or a character the read cut in two. */
function decodeText(bytes: Uint8Array, cut: boolean): string {
  return new TextDecoder('utf-8').decode(cut ? bytes.subarray(0, completeUtf8Length(bytes)) : bytes);
}
