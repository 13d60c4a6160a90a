/**
 * The SQL console and the snapshot diff: statements run in the engine's DuckDB over the
 * committed snapshots of the extension's storage, each loaded (restored, verified against
 * its manifest) as a table named after its id the first time a statement names it.
 *
 * A query's result is kept whole in a temporary table, so that its row count is exact,
 * its first rows come back as DuckDB's own text of each value (no value is re-formatted in
 * JavaScript, so a DECIMAL or a HUGEINT reads as DuckDB prints it) and it can be
 * downloaded. Nothing here writes to OPFS: snapshots are copies in the engine's memory.
 */
import type { AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import { tableToIPC, type RecordBatch } from 'apache-arrow';
import { returnedTable } from './returned-rows';
import { jsonRecords, jsonToArrowIpc } from './json-table';
import { DEFAULT_ROW_ID_COLUMN, freeColumnName } from './csv-sql';
import type { DiffResult, SnapshotManifest, SqlCell, SqlColumn, SqlResult } from '../protocol';
import { CancelledError, UserFacingError } from '../errors';
import { integerLiteral, quoteIdent, quoteLiteral } from '../sql';
import type { DuckDBHost } from './duckdb';
import { queryArrowIPC } from './duck-query';
import { assertTableFits } from './restore';
import { formatBytes } from '../format';
import { assertParquetKeeps, describeColumns } from './tables';
import { describeStatementError, parseDuckDBError } from './duckdb-errors';
import { queryFileFormat, type QueryFileFormat } from '../query-files';

/** What a query keeps of its result, and the diff of its rows. */
const RESULT_TABLE = '__console_result';
const DIFF_TABLE = '__console_diff';
/** Rows of a result sent to the panel (the total is counted in full). */
export const RESULT_ROW_LIMIT = 10_000;

/** Loads snapshot `snapshotId` into table `table` (the engine's restore); says what did not match its manifest. */
export type LoadSnapshot = (snapshotId: string, table: string, signal: AbortSignal) => Promise<{ problems: string[]; rowIdColumn: string }>;

interface Loaded {
  /** The manifest it was loaded from: a snapshot imported again under its id is loaded again. */
  fingerprint: string;
  rowIdColumn: string;
}

/** Snapshots loaded as tables, per engine instance (a recycled engine starts empty). */
const loadedByEngine = new WeakMap<DuckDBHost, Map<string, Loaded>>();

function fingerprint(manifest: SnapshotManifest): string {
  return `${manifest.createdAt}|${manifest.checksum.value}|${manifest.rowCount}`;
}

/**
 * Makes sure every snapshot named in `names` is loaded as a table of its id, the current
 * version of it; answers the notes to show (a snapshot that does not match its manifest).
 */
export async function ensureSnapshotsLoaded(
  duck: DuckDBHost,
  names: readonly string[],
  manifests: readonly SnapshotManifest[],
  load: LoadSnapshot,
  signal: AbortSignal,
): Promise<{ loaded: string[]; notes: string[] }> {
  let loadedHere = loadedByEngine.get(duck);
  if (!loadedHere) loadedByEngine.set(duck, (loadedHere = new Map()));
  const loaded: string[] = [];
  const notes: string[] = [];
  for (const name of new Set(names)) {
    // DuckDB's identifiers are case-insensitive: "Orders" names the snapshot orders, and
    // snapshots "Orders" and "orders" would load into one table (a diff of the two would compare it with itself).
    const matching = [...new Set(manifests.filter((m) => m.snapshotId.toLowerCase() === name.toLowerCase()).map((m) => m.snapshotId))];
    if (matching.length > 1) {
      throw new UserFacingError(
        'AmbiguousSnapshotError',
        `Snapshots ${matching.map((id) => `"${id}"`).join(' and ')} differ only in case, which DuckDB's table names do not tell apart: SQL over them would read one of them for both. Delete or export again one of them under another id.`,
      );
    }
    const manifest = manifests.find((m) => m.snapshotId === matching[0]);
    if (!manifest) continue;
    const known = loadedHere.get(manifest.snapshotId);
    if (known && known.fingerprint === fingerprint(manifest) && (await tableHolds(duck.conn, manifest.snapshotId))) continue;
    signal.throwIfAborted();
    const { problems, rowIdColumn } = await load(manifest.snapshotId, manifest.snapshotId, signal);
    loadedHere.set(manifest.snapshotId, { fingerprint: fingerprint(manifest), rowIdColumn });
    loaded.push(manifest.snapshotId);
    if (problems.length > 0) notes.push(`Snapshot "${manifest.snapshotId}" does not match its manifest: ${problems.join(' ')}`);
  }
  return { loaded, notes };
}

/** The row id column of a snapshot loaded as a table (`__row_id` unless its data has one). */
export function loadedRowIdColumn(duck: DuckDBHost, table: string): string | undefined {
  return loadedByEngine.get(duck)?.get(table)?.rowIdColumn;
}

async function tableHolds(conn: AsyncDuckDBConnection, table: string): Promise<boolean> {
  const rows = (await conn.query(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = ${quoteLiteral(table)} AND NOT temporary`)).toArray() as { n: number }[];
  return Number(rows[0]?.n) > 0;
}

/** Tables a statement reads, as DuckDB's parser sees them (so a word in a string is not one). */
export async function tablesNamedIn(conn: AsyncDuckDBConnection, sql: string): Promise<string[]> {
  try {
    return (await conn.getTableNames(sql)).map((name) => name.split('.').pop() ?? name);
  } catch {
    // A statement DuckDB cannot parse names no table; running it says why.
    return [];
  }
}

/**
 * Runs `sql` on `conn` as a pending query that `cancel` can interrupt; answers the Arrow
 * batches of its result, read to the end.
 */
async function sendCancellable(conn: AsyncDuckDBConnection, sql: string, signal: AbortSignal, keepRows: number): Promise<{ columns: string[]; types: string[]; batches: RecordBatch[]; total: number }> {
  signal.throwIfAborted();
  const onAbort = () => void conn.cancelSent().catch(() => undefined);
  signal.addEventListener('abort', onAbort);
  try {
    const reader = await conn.send(sql, true);
    signal.throwIfAborted();
    const batches: RecordBatch[] = [];
    let total = 0;
    let columns: string[] = [];
    let types: string[] = [];
    for await (const batch of reader) {
      signal.throwIfAborted();
      columns = batch.schema.fields.map((f) => f.name);
      types = batch.schema.fields.map((f) => String(f.type));
      // Whole: apache-arrow 17 slices an INTERVAL column wrong (see returned-rows.ts).
      if (total < keepRows && batch.numRows > 0) batches.push(batch);
      total += batch.numRows;
    }
    if (reader.schema) {
      columns = reader.schema.fields.map((f) => f.name);
      types = reader.schema.fields.map((f) => String(f.type));
    }
    return { columns, types, batches, total };
  } catch (error) {
    if (signal.aborted) throw new CancelledError('The query was cancelled.');
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * What a statement that is not a query returned (`UPDATE … RETURNING`, `PRAGMA`…), its first
 * `limit` rows shown as a query's are: DuckDB's type of each column and DuckDB's text of
 * each value (see returned-rows.ts).
 */
async function returnedRows(duck: DuckDBHost, columns: readonly string[], arrowTypes: readonly string[], batches: RecordBatch[], limit: number): Promise<{ columns: SqlColumn[]; rows: SqlCell[][] }> {
  const asArrow = columns.map((name, i) => ({ name, type: arrowTypes[i] ?? '' }));
  if (batches.length === 0 || columns.length === 0) return { columns: asArrow, rows: [] };
  const returned = `__returned_${crypto.randomUUID().replaceAll('-', '')}`;
  try {
    const { table: arrow, texts, known } = returnedTable(batches);
    const ipc = tableToIPC(arrow, 'stream');
    await duck.conn.useUnsafe((db, connId) => db.insertArrowFromIPCStream(connId, ipc, { name: returned, create: true }));
    // Its one table's columns, as resultShape reads a query's (duckdb_columns() would list every table's first).
    const types = new Map(
      ((await duck.conn.query(`SELECT name, type FROM pragma_table_info(${quoteLiteral(`main.${returned}`)})`)).toArray() as { name: string; type: string }[]).map((row) => [String(row.name), String(row.type)]),
    );
    // By position: a statement may return two columns of one name.
    const table = await duck.conn.query(`SELECT ${texts.map((text) => text ?? 'NULL::VARCHAR').join(', ')} FROM main.${quoteIdent(returned)} LIMIT ${integerLiteral(limit)}`);
    const vectors = columns.map((_, i) => table.getChildAt(i));
    const rows: SqlCell[][] = [];
    for (let r = 0; r < table.numRows; r++) rows.push(vectors.map((v) => (v?.get(r) ?? null) as SqlCell));
    const typeOf = (i: number) => {
      const k = known[i];
      if (k && 'type' in k) return k.type;
      if (k && 'hidden' in k) return `${asArrow[i].type} (not shown: ${k.hidden})`;
      return types.get(`c${i}`) ?? asArrow[i].type;
    };
    return { columns: columns.map((name, i) => ({ name, type: typeOf(i) })), rows };
  } catch (error) {
    // The statement has run: what it returned is shown as Arrow gave it rather than lost.
    console.warn('could not read the returned rows back through DuckDB', error);
    const rows = batches.flatMap((batch) => Array.from({ length: batch.numRows }, (_, r) => columns.map((_, c) => arrowCell(batch.getChildAt(c)?.get(r))))).slice(0, limit);
    return { columns: asArrow, rows };
  } finally {
    await duck.conn.query(`DROP TABLE IF EXISTS main.${quoteIdent(returned)}`);
  }
}

/** An Arrow value as a cell, where DuckDB could not give its text. */
function arrowCell(value: unknown): SqlCell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') {
    return JSON.stringify(value.toJSON(), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
  return String(value);
}

/** The text before a query that keeps its result (DuckDB's error positions count it). */
const KEEP_PREFIX = `CREATE OR REPLACE TEMP TABLE ${RESULT_TABLE} AS\n`;

/** DuckDB's error about `statement`, as its shell would print it (positions in the user's statement). */
function userError(error: unknown, statement: string, prefix: string): Error {
  if (error instanceof CancelledError || error instanceof UserFacingError) return error;
  return new UserFacingError('SqlError', describeStatementError(parseDuckDBError(error instanceof Error ? error.message : String(error)), statement, prefix));
}

/**
 * Runs one statement. A query's result is kept in {@link RESULT_TABLE} and its first
 * `limit` rows answered as DuckDB's text of each value; any other statement (SET, CREATE,
 * INSERT, PRAGMA, DESCRIBE…) runs as it is and answers what it returns.
 */
export async function runStatement(duck: DuckDBHost, sql: string, signal: AbortSignal, limit = RESULT_ROW_LIMIT): Promise<Omit<SqlResult, 'elapsedMs' | 'loaded' | 'notes'>> {
  const statement = sql.trim().replace(/;\s*$/, '');
  if (statement === '') throw new UserFacingError('SqlError', 'There is no statement to run.');
  let kept = true;
  try {
    await sendCancellable(duck.conn, `${KEEP_PREFIX}${statement}`, signal, 0);
  } catch (error) {
    if (signal.aborted || parseDuckDBError(error instanceof Error ? error.message : '').type !== 'Parser') throw userError(error, statement, KEEP_PREFIX);
    // Not a query (SET, CREATE, INSERT, DESCRIBE…): run it as written.
    kept = false;
  }
  if (!kept) {
    try {
      const raw = await sendCancellable(duck.conn, statement, signal, limit);
      return {
        ...(await returnedRows(duck, raw.columns, raw.types, raw.batches, limit)),
        totalRows: raw.total,
        kept: false,
      };
    } catch (error) {
      throw userError(error, statement, '');
    }
  }
  const { columns, total } = await resultShape(duck);
  const rows = await textRows(duck.conn, `temp.${RESULT_TABLE}`, columns, `ORDER BY rowid LIMIT ${integerLiteral(limit)}`);
  return { columns, rows, totalRows: total, kept: true };
}

/** The kept result's columns and row count, in one statement (each statement is a round trip to DuckDB's worker). */
async function resultShape(duck: DuckDBHost): Promise<{ columns: SqlColumn[]; total: number }> {
  // The one table's columns, not duckdb_columns(), which lists every column of every table first (2-3 ms more per statement).
  const [shape] = (await duck.conn.query(
    `SELECT (SELECT count(*) FROM temp.${RESULT_TABLE})::BIGINT AS n, coalesce(list(name ORDER BY cid), []) AS names, coalesce(list(type ORDER BY cid), []) AS types
     FROM pragma_table_info(${quoteLiteral(`temp.${RESULT_TABLE}`)})`,
  )).toArray() as { n: bigint; names: { toArray(): string[] }; types: { toArray(): string[] } }[];
  const types = shape.types.toArray();
  return { columns: shape.names.toArray().map((name, i) => ({ name, type: types[i] })), total: Number(shape.n) };
}

/** Rows of `source` with every value as DuckDB's own text (NULL stays null). */
async function textRows(conn: AsyncDuckDBConnection, source: string, columns: readonly SqlColumn[], tail: string): Promise<SqlCell[][]> {
  if (columns.length === 0) return [];
  const select = columns.map((c, i) => `${quoteIdent(c.name)}::VARCHAR AS c${i}`).join(', ');
  const table = await conn.query(`SELECT ${select} FROM ${source} ${tail}`);
  const out: SqlCell[][] = [];
  const vectors = columns.map((_, i) => table.getChildAt(i));
  for (let r = 0; r < table.numRows; r++) out.push(vectors.map((v) => (v?.get(r) ?? null) as SqlCell));
  return out;
}

/** Rows `offset`… of the last query's kept result as DuckDB's text of each value (the panel writes the CSV). */
export async function resultAsCsvRows(duck: DuckDBHost, offset: number, count: number): Promise<{ columns: SqlColumn[]; rows: SqlCell[][] }> {
  const { columns } = await resultShape(duck);
  const rows = await textRows(duck.conn, `temp.${RESULT_TABLE}`, columns, `ORDER BY rowid LIMIT ${integerLiteral(count)} OFFSET ${integerLiteral(offset)}`);
  return { columns, rows };
}

/** The kept result of the last query, whole, as an Arrow IPC stream in its order (a Parquet download). */
export async function resultAsArrowIpc(duck: DuckDBHost): Promise<{ ipc: Uint8Array; rows: number }> {
  const { columns, total } = await resultShape(duck);
  assertParquetKeeps(columns, 'The result');
  return { ipc: await queryArrowIPC(duck, `SELECT * FROM temp.${RESULT_TABLE} ORDER BY rowid`), rows: total };
}

/**
 * Compares tables `a` and `b` (loaded snapshots) row by row, matched by `key` (a column
 * both have, unique on each side) or by their row ids. Columns only on one side and type
 * changes are listed; the comparison runs on the columns both have.
 */
export async function diffTables(
  duck: DuckDBHost,
  a: { table: string; rowId: string },
  b: { table: string; rowId: string },
  key: string | null,
  signal: AbortSignal,
): Promise<Omit<DiffResult, 'elapsedMs' | 'a' | 'b'>> {
  const describe = async (table: string, rowId: string) =>
    describeColumns(duck, table, rowId);
  const [columnsA, columnsB] = [await describe(a.table, a.rowId), await describe(b.table, b.rowId)];
  const typeOfB = new Map(columnsB.map((c) => [c.name, c.type]));
  const namesA = new Set(columnsA.map((c) => c.name));
  const onlyInA = columnsA.filter((c) => !typeOfB.has(c.name)).map((c) => c.name);
  const onlyInB = columnsB.filter((c) => !namesA.has(c.name)).map((c) => c.name);
  const typeChanges = columnsA.filter((c) => typeOfB.has(c.name) && typeOfB.get(c.name) !== c.type).map((c) => ({ column: c.name, a: c.type, b: typeOfB.get(c.name)! }));
  const common = columnsA.filter((c) => typeOfB.has(c.name)).map((c) => c.name);
  const compared = common.filter((c) => c !== key);
  if (key !== null) {
    if (!common.includes(key)) throw new UserFacingError('DiffKeyError', `Both sides need the key column "${key}"; ${namesA.has(key) ? 'B' : 'A'} has none.`);
    for (const [side, table] of [['A', a.table], ['B', b.table]] as const) {
      const dup = (await duck.conn.query(
        `WITH repeated AS (SELECT ${quoteIdent(key)}::VARCHAR AS k, count(*) AS n FROM ${quoteIdent(table)} GROUP BY 1 HAVING count(*) > 1)
         SELECT count(*)::BIGINT AS keys, coalesce(sum(n), 0)::BIGINT AS rows,
                (SELECT coalesce(string_agg(coalesce(k, 'NULL'), ', '), '') FROM (SELECT k FROM repeated ORDER BY k NULLS FIRST LIMIT 3)) AS examples
         FROM repeated`,
      )).toArray()[0] as { keys: bigint; rows: bigint; examples: string } | undefined;
      if (dup && Number(dup.keys) > 0) {
        throw new UserFacingError(
          'DiffKeyError',
          `The key "${key}" is not unique in ${side} (${table}): ${Number(dup.keys).toLocaleString('en-US')} values appear more than once, in ${Number(dup.rows).toLocaleString('en-US')} rows (for example ${dup.examples}). Choose a unique key or diff by row id.`,
        );
      }
      const nulls = Number((await duck.conn.query(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(table)} WHERE ${quoteIdent(key)} IS NULL`)).toArray()[0]?.n ?? 0);
      if (nulls > 0) throw new UserFacingError('DiffKeyError', `The key "${key}" is NULL in ${nulls.toLocaleString('en-US')} rows of ${side} (${table}): rows without a key cannot be matched.`);
    }
  }
  signal.throwIfAborted();
  const keyA = quoteIdent(key ?? a.rowId);
  const keyB = quoteIdent(key ?? b.rowId);
  // Columns whose types differ are compared as text (a type change alone is listed above, not counted per row).
  const asCompared = (side: 'a' | 'b', c: string) => (typeChanges.some((t) => t.column === c) ? `${side}.${quoteIdent(c)}::VARCHAR` : `${side}.${quoteIdent(c)}`);
  const changedFlags = compared.map((c, i) => `(${asCompared('a', c)} IS DISTINCT FROM ${asCompared('b', c)}) AS d${i}`);
  const values = compared.flatMap((c, i) => [`a.${quoteIdent(c)}::VARCHAR AS a${i}`, `b.${quoteIdent(c)}::VARCHAR AS b${i}`]);
  const anyChange = compared.length === 0 ? 'false' : compared.map((c) => `${asCompared('a', c)} IS DISTINCT FROM ${asCompared('b', c)}`).join(' OR ');
  await duck.conn.query(`DROP TABLE IF EXISTS temp.${DIFF_TABLE}`);
  await sendCancellable(
    duck.conn,
    `CREATE TEMP TABLE ${DIFF_TABLE} AS
     SELECT CASE WHEN a.__diff_in IS NULL THEN 'added' WHEN b.__diff_in IS NULL THEN 'removed' ELSE 'changed' END AS __change,
            coalesce(a.__diff_key, b.__diff_key) AS __key${changedFlags.length ? `, ${changedFlags.join(', ')}` : ''}${values.length ? `, ${values.join(', ')}` : ''}
     FROM (SELECT *, ${keyA} AS __diff_key, true AS __diff_in FROM ${quoteIdent(a.table)}) AS a
     FULL OUTER JOIN (SELECT *, ${keyB} AS __diff_key, true AS __diff_in FROM ${quoteIdent(b.table)}) AS b ON a.__diff_key = b.__diff_key
     WHERE a.__diff_in IS NULL OR b.__diff_in IS NULL OR ${anyChange}`,
    signal,
    0,
  );
  const sums = compared.map((_, i) => `count(*) FILTER (WHERE __change = 'changed' AND d${i})::BIGINT AS d${i}`);
  const [counts] = (await duck.conn.query(
    `SELECT count(*) FILTER (WHERE __change = 'added')::BIGINT AS added, count(*) FILTER (WHERE __change = 'removed')::BIGINT AS removed,
            count(*) FILTER (WHERE __change = 'changed')::BIGINT AS changed${sums.length ? `, ${sums.join(', ')}` : ''} FROM temp.${DIFF_TABLE}`,
  )).toArray() as Record<string, bigint>[];
  return {
    key,
    onlyInA,
    onlyInB,
    typeChanges,
    compared,
    added: Number(counts.added),
    removed: Number(counts.removed),
    changed: Number(counts.changed),
    changedByColumn: Object.fromEntries(compared.map((c, i) => [c, Number(counts[`d${i}`])])),
  };
}

/** Rows of one group of the last diff: each compared column's value in A and in B (as text), and whether it changed. */
export async function diffRows(duck: DuckDBHost, group: 'added' | 'removed' | 'changed', compared: readonly string[], limit: number): Promise<{ key: string; cells: { a: SqlCell; b: SqlCell; changed: boolean }[] }[]> {
  const columns = compared.flatMap((_, i) => [`a${i}`, `b${i}`, `d${i}`]);
  const table = await duck.conn.query(
    `SELECT __key::VARCHAR AS key_text${columns.length ? `, ${columns.join(', ')}` : ''} FROM temp.${DIFF_TABLE} WHERE __change = ${quoteLiteral(group)} ORDER BY __key LIMIT ${integerLiteral(limit)}`,
  );
  const out: { key: string; cells: { a: SqlCell; b: SqlCell; changed: boolean }[] }[] = [];
  for (const row of table.toArray() as Record<string, unknown>[]) {
    out.push({
      key: String(row.key_text),
      cells: compared.map((_, i) => ({ a: (row[`a${i}`] ?? null) as SqlCell, b: (row[`b${i}`] ?? null) as SqlCell, changed: Boolean(row[`d${i}`]) })),
    });
  }
  return out;
}

/**
 * Reads the file `handle` (named `displayName` for people) into `table`: Parquet through
 * the project's codec, CSV through the import's careful reader (every value kept), JSON
 * (an array of objects, or one object per line) through Apache Arrow (DuckDB's JSON reader
 * is an extension DuckDB-WASM would download).
 */
export async function loadFileAsTable(
  duck: DuckDBHost,
  load: { parquet(file: File, table: string): Promise<void>; csv(handle: FileSystemFileHandle, table: string): Promise<void> },
  handle: FileSystemFileHandle,
  displayName: string,
  table: string,
): Promise<{ format: QueryFileFormat; rows: number }> {
  const format = queryFileFormat(displayName);
  if (!format) throw new UserFacingError('QueryFileError', `${displayName} is not a Parquet, CSV or JSON file: only those open in Query.`);
  const file = await handle.getFile();
  if (file.size === 0) throw new UserFacingError('QueryFileError', `${displayName} is 0 bytes: there is nothing to query.`);
  if (format === 'parquet') await load.parquet(file, table);
  else if (format === 'csv') await load.csv(handle, table);
  else {
    // Its table is taken to need about its text's size (a rough bound, not measured): refused before it is parsed.
    await assertTableFits(duck, `${displayName} (${formatBytes(file.size)})`, file.size, 'load');
    let ipc: Uint8Array;
    try {
      ipc = jsonToArrowIpc(jsonRecords(await file.text()));
    } catch (error) {
      throw new UserFacingError('QueryFileError', `${displayName} could not be read as JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error, explainsCause: true });
    }
    // Rows numbered in file order, as a restored snapshot's are: a diff matches them by it.
    const records = `__json_${crypto.randomUUID().replaceAll('-', '')}`;
    try {
      await duck.conn.useUnsafe((db, connId) => db.insertArrowFromIPCStream(connId, ipc, { name: records, create: true }));
      const names = (await describeColumns(duck, records, '')).map((c) => c.name);
      const rowId = freeColumnName(names, DEFAULT_ROW_ID_COLUMN);
      await duck.conn.query(`CREATE OR REPLACE TABLE ${quoteIdent(table)} AS SELECT (row_number() OVER () - 1)::BIGINT AS ${quoteIdent(rowId)}, * FROM ${quoteIdent(records)}`);
    } finally {
      await duck.conn.query(`DROP TABLE IF EXISTS ${quoteIdent(records)}`);
    }
  }
  const rows = Number((await duck.conn.query(`SELECT count(*)::BIGINT AS n FROM ${quoteIdent(table)}`)).toArray()[0]?.n ?? 0);
  return { format, rows };
}
