/**
 * CSV → DuckDB table, read straight from a file staged in the extension's OPFS (so a
 * file of hundreds of MB never passes through JSON messaging or a JS string). Every value
 * is kept exactly (see csv-types.ts); what goes wrong is said in words, with the line.
 */
import { DuckDBDataProtocol } from '@duckdb/duckdb-wasm';
import type { ColumnSchema, CsvEncoding } from '../protocol';
import { UserFacingError } from '../errors';
import { formatBytes } from '../format';
import { quoteIdent } from '../sql';
import type { DuckDBHost } from './duckdb';
import { engineMemory } from './duck-query';
import { describeColumns, queryJson } from './tables';
import { MAX_LINE_BYTES, delimiterOfHeader, importCsvTable, readCsvSource, type SqlRunner } from './csv-sql';
import { detectEncoding, transcodeToUtf8 } from './encoding';

/** How much of the file is looked at to tell text from binary. */
const SNIFF_BYTES = 64 * 1024;
/** A table takes about this much memory per byte of CSV (measured ~1.1 on mixed data). */
const TABLE_BYTES_PER_CSV_BYTE = 1.25;

export interface LoadedCsv {
  rowCount: number;
  schema: ColumnSchema[];
  rowIdColumn: string;
  header: { firstRowIsHeader: boolean; looksLikeData: boolean };
  notes: string[];
  encoding: CsvEncoding;
}

/**
 * Creates (or replaces) `table` from the CSV in `handle` (in folder `dir`), every value
 * kept exactly and a row id column numbering the rows in file order. A UTF-16 file is
 * first copied as UTF-8 next to it (removed afterwards).
 */
export async function loadCsvIntoTable(
  duck: DuckDBHost,
  dir: FileSystemDirectoryHandle,
  handle: FileSystemFileHandle,
  table: string,
  options: { header?: boolean } = {},
): Promise<LoadedCsv> {
  let file = await handle.getFile();
  if (file.size === 0) throw new UserFacingError('CsvError', 'The file is empty: there is nothing to snapshot.');
  const encoding = detectEncoding(new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer()));
  let converted: string | undefined;
  try {
    if (encoding !== 'utf-8') {
      converted = `${handle.name}.utf8`;
      handle = await transcodeToUtf8(file, encoding, dir, converted);
      file = await handle.getFile();
    }
    await refuseNonText(file);
    await assertCsvFits(duck, file.size);
    const header = options.header ?? true;
    const delimiter = delimiterOfHeader(await file.slice(0, SNIFF_BYTES).text());
    const registered = `staged-${crypto.randomUUID()}.csv`;
    // DuckDB holds an exclusive lock on a registered OPFS file until dropFile: always drop.
    await duck.db.registerFileHandle(registered, handle, DuckDBDataProtocol.BROWSER_FSACCESS, true);
    let plan;
    try {
      plan = await importCsvTable(sqlRunner(duck), registered, table, { delimiter, header });
    } catch (error) {
      throw new UserFacingError('CsvError', `The CSV could not be read: ${await explainCsvError(duck, error, file, registered, delimiter, header)}`, { cause: error, explainsCause: true });
    } finally {
      await duck.db.dropFile(registered);
    }
    const { rows } = await queryJson(duck, `SELECT count(*)::BIGINT FROM ${quoteIdent(table)}`);
    return {
      rowCount: Number(rows[0]?.[0]),
      schema: await describeColumns(duck, table, plan.rowIdColumn),
      rowIdColumn: plan.rowIdColumn,
      header: { firstRowIsHeader: header, looksLikeData: plan.headerLooksLikeData },
      notes: plan.notes,
      encoding,
    };
  } finally {
    if (converted) await dir.removeEntry(converted).catch((error: unknown) => console.warn(`could not remove ${converted}`, error));
  }
}

/** The engine's connection as a {@link SqlRunner}. */
function sqlRunner(duck: DuckDBHost): SqlRunner {
  return {
    async rows(sql) {
      return (await duck.conn.query(sql)).toArray().map((row: { toJSON(): Record<string, unknown> }) => row.toJSON());
    },
    async run(sql) {
      await duck.conn.query(sql);
    },
  };
}

/** Refuses a CSV whose table would not fit the engine's memory, before reading it. */
async function assertCsvFits(duck: DuckDBHost, bytes: number): Promise<void> {
  const { limitBytes, usedBytes } = await engineMemory(duck);
  const free = Math.max(0, limitBytes - usedBytes);
  if (bytes * TABLE_BYTES_PER_CSV_BYTE <= free) return;
  throw new UserFacingError(
    'EngineMemoryError',
    `This CSV (${formatBytes(bytes)}) is larger than the engine can hold: DuckDB-WASM has ${formatBytes(free)} free of its ${formatBytes(limitBytes)} memory limit, ` +
      `which takes a CSV of about ${formatBytes(free / TABLE_BYTES_PER_CSV_BYTE)} at most.` +
      (usedBytes > 0 ? ` Dropping the tables the engine keeps frees ${formatBytes(usedBytes)}.` : ' Split the file into smaller ones.'),
  );
}

/** Words for what DuckDB could not do with the CSV, with the line where it can be found. */
async function explainCsvError(duck: DuckDBHost, error: unknown, file: File, registered: string, delimiter: string | undefined, header: boolean): Promise<string> {
  const text = String(error);
  if (text.includes('Out of Memory')) {
    const { limitBytes } = await engineMemory(duck).catch(() => ({ limitBytes: Number.NaN }));
    return `the engine ran out of memory reading ${formatBytes(file.size)} of CSV (its memory limit is ${Number.isNaN(limitBytes) ? 'unknown' : formatBytes(limitBytes)}). Split the file into smaller ones.`;
  }
  if (text.includes('Maximum line size')) {
    const record = await findOversizedRecord(file, delimiter ?? ',', MAX_LINE_BYTES);
    if (record) {
      return `line ${record.line}: a row of ${formatBytes(record.recordBytes)} (its largest field is ${formatBytes(record.fieldBytes)}) is larger than the ${formatBytes(MAX_LINE_BYTES)} a row may have.`;
    }
  }
  if (text.includes('automatically detect the CSV parsing dialect')) return diagnoseInconsistentCsv(duck, file, readCsvSource(registered, { delimiter, header }));
  return describeDuckDBError(error);
}

/**
 * When no dialect fits the whole file, DuckDB says only that. Find what is wrong: a quote
 * that is never closed, or the first row with the wrong number of columns (DuckDB's
 * rejects table records it when asked to skip bad rows instead of failing).
 */
async function diagnoseInconsistentCsv(duck: DuckDBHost, file: File, source: string): Promise<string> {
  const openQuote = await findUnclosedQuote(file);
  if (openQuote !== undefined) return `line ${openQuote}: a quote opened here is never closed.`;
  try {
    await duck.conn.query(`SELECT count(*) FROM ${source.replace(/\)$/, ', store_rejects = true)')}`);
    const { rows } = await queryJson(duck, 'SELECT line, error_message FROM reject_errors ORDER BY line LIMIT 1');
    if (rows[0]) return `line ${String(rows[0][0])}: ${String(rows[0][1])}.`;
  } catch (error) {
    console.warn('could not locate the bad row', error);
  }
  return 'its rows do not split into the same columns with any delimiter DuckDB tried.';
}

/** The line on which a quote opens that is never closed, reading the file as a stream. */
export async function findUnclosedQuote(file: Blob): Promise<number | undefined> {
  let line = 1;
  let quoted = false;
  let openedOn = 0;
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const byte of value) {
      if (byte === 0x22) {
        quoted = !quoted;
        if (quoted) openedOn = line;
      } else if (byte === 0x0a) line += 1;
    }
  }
  return quoted ? openedOn : undefined;
}

/**
 * The first row (RFC 4180, quotes respected) longer than `limit` bytes: the line it starts
 * on, its size, and its largest field. DuckDB names the buffer, not the line, when a row
 * is too long for it.
 */
export async function findOversizedRecord(file: Blob, delimiter: string, limit: number): Promise<{ line: number; recordBytes: number; fieldBytes: number } | undefined> {
  const delim = delimiter.charCodeAt(0);
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let field = 0;
  let biggest = 0;
  let record = 0;
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const byte of value) {
      if (byte === 0x0a) {
        line += 1;
        if (!quoted) {
          if (record > limit) return { line: recordLine, recordBytes: record, fieldBytes: Math.max(biggest, field) };
          record = field = biggest = 0;
          recordLine = line;
          continue;
        }
      }
      if (byte === 0x22) quoted = !quoted;
      record += 1;
      if (!quoted && byte === delim) {
        biggest = Math.max(biggest, field);
        field = 0;
      } else field += 1;
    }
  }
  return record > limit ? { line: recordLine, recordBytes: record, fieldBytes: Math.max(biggest, field) } : undefined;
}

/** Binary files get a plain answer before DuckDB tries its sniffer on them. */
async function refuseNonText(file: File): Promise<void> {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  // No text encoding we read puts NUL bytes in text (UTF-16 was converted before this);
  // zip, Parquet, images and the like all have them.
  if (head.includes(0)) throw new UserFacingError('CsvError', 'This file is binary, not CSV text (it contains NUL bytes). Choose a .csv file.');
}

/**
 * DuckDB's CSV errors are precise but long ("CSV Error on Line: 3", the problem, then
 * the original line, the options and possible fixes): keep the line number and the problem.
 */
export function describeDuckDBError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split('\n\n')[0]
    .split('\n')
    .map((line) => line.replace(/^(Invalid Input|Conversion|Binder|Parser|Catalog|IO) Error: /, '').trim())
    // The offending line itself can be megabytes of user data: the line number is enough.
    .filter((line) => line && !line.startsWith('Original Line:'));
  const text = lines.slice(0, 2).join(': ').replace(/^CSV Error on Line: (\d+): /, 'line $1: ');
  return text.length > 300 ? `${text.slice(0, 297)}…` : text;
}
