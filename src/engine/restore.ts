/**
 * Restore and verification: a snapshot's parts read back into DuckDB, in part order, with
 * the row id rebuilt from the file order, and compared with the manifest.
 *
 * Both first check every part's file against the manifest (present, size, magic, footer
 * row count), so Restore never reports a match that Verify would refuse. Verify then
 * works one part at a time — decode, checksum, drop — so it needs the memory of one part
 * whatever the snapshot's size: the checksum is a sum of per-row hashes, which adds up
 * over parts. Restore builds a table, so it first checks that the table fits the engine.
 */
import { parquetMetadata, parquetRead, parquetSchema, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { ColumnSchema, OperationProgress, RestoreResult, SnapshotManifest, VerifyResult } from '../protocol';
import { CancelledError, UserFacingError, errorName } from '../errors';
import { formatBytes } from '../format';
import { quoteIdent } from '../sql';
import { checkParquet, decodedBytes } from '../parquet/footer';
import { engineMemory, type DuckConnection } from './duck-query';
import type { ParquetCodec } from './parquet-codec';
import { describeColumns, describeQuery, tableExists, tableRowCount } from './tables';
import { addChecksums, tableChecksum } from './checksum';
import { DEFAULT_ROW_ID_COLUMN, freeColumnName } from './csv-sql';
import { readManifest } from './snapshot-files';
import { withSnapshotLock } from '../snapshot/locks';
import { runPipeline } from './pipeline';
import { CodecWorkerError } from './parquet-worker-codec';
import { columnNames, type RowNumbers } from './row-numbers';
import { dictionariesInFixedLists } from './arrow-ipc';

export interface RestoreContext {
  duck: DuckConnection;
  codec: ParquetCodec;
  dir: FileSystemDirectoryHandle;
  /** The path of `dir` from the OPFS root: the snapshots' Web Locks are named after it. */
  lockFolder: string;
  signal?: AbortSignal;
  onProgress?: (progress: Omit<OperationProgress, 'operationId'>) => void;
}

/** A restored table needs about this much memory per byte of decoded Parquet values ({@link decodedBytes}; measured: ~1.1). */
const TABLE_BYTES_PER_PARQUET_BYTE = 1.25;

/**
 * Reads snapshot `snapshotId` into table `table` (replacing it only once the new one is
 * complete, in one transaction, and only with rows that match the manifest: a table of that
 * name is kept otherwise) and returns its checksum. Refuses, before reading anything, a
 * snapshot whose files do not match its manifest or whose table would not fit the engine's memory.
 */
export async function restoreSnapshot(ctx: RestoreContext, snapshotId: string, table: string): Promise<Omit<RestoreResult, 'elapsedMs'>> {
  // Said once cancelled: the restore replaces the table only when complete, so it is there exactly when it was before.
  const said = async () =>
    (await tableExists(ctx.duck, table).catch(() => true))
      ? `Restore of "${snapshotId}" was cancelled; table "${table}" was left as it was.`
      : `Restore of "${snapshotId}" was cancelled; no table "${table}" was made.`;
  return sayCancelled(ctx.signal, said, () => restoreLocked(ctx, snapshotId, table));
}

/** `work`'s result; its failure, when it is `signal`'s abort, said as the cancel it was (in the words `said` gives). */
async function sayCancelled<T>(signal: AbortSignal | undefined, said: string | (() => Promise<string>), work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (signal?.aborted && errorName(error) === 'AbortError') throw new CancelledError(typeof said === 'string' ? said : await said());
    throw error;
  }
}

async function restoreLocked(ctx: RestoreContext, snapshotId: string, table: string): Promise<Omit<RestoreResult, 'elapsedMs'>> {
  return withSnapshotLock(ctx.lockFolder, snapshotId, async () => {
    const manifest = await readManifest(ctx.dir, snapshotId);
    const files = await checkPartFiles(ctx.dir, manifest);
    if (files.problems.length > 0) {
      throw new UserFacingError('SnapshotDamagedError', `Snapshot "${snapshotId}" cannot be restored: ${files.problems.join(' ')}`);
    }
    await assertTableFits(ctx.duck, `Snapshot "${snapshotId}"`, files.valueBytes, 'restore');
    const rowIdColumn = freeColumnName(manifest.schema.map((c) => c.name), DEFAULT_ROW_ID_COLUMN);
    const buildingName = `__restore_${crypto.randomUUID().replaceAll('-', '')}`;
    const building = quoteIdent(buildingName);
    const ids = quoteIdent(rowIdColumn);
    const algorithm = manifest.checksum.algorithm;
    let total = { rowCount: 0, checksum: '0' };
    let types: ColumnSchema[] = [];
    let problems: string[] = [];
    try {
      await forEachPart(
        ctx,
        manifest,
        rowIdColumn,
        tableBuilder(ctx.duck, buildingName, {
          create: (scratch) => `CREATE TABLE ${building} AS ${typedSelect(scratch, rowIdColumn, manifest)}`,
          append: (scratch) => `INSERT INTO ${building} ${typedSelect(scratch, rowIdColumn, manifest)}`,
        }),
        // Each part's rows are summed as soon as they are in, while the codec's workers decode
        // the parts after it, rather than in one pass over the whole table at the end (the
        // checksum is a sum of per-row hashes; the row ids tell a part's rows apart).
        async ({ first, rows }) => {
          // The columns as read back and cast to the manifest's types: what the checksum's shape markers follow.
          types = types.length > 0 ? types : await describeColumns(ctx.duck, buildingName, rowIdColumn);
          const part = await tableChecksum(ctx.duck, `(SELECT * FROM ${building} WHERE ${ids} >= ${first} AND ${ids} < ${first + rows})`, rowIdColumn, types, algorithm);
          total = { rowCount: total.rowCount + part.rowCount, checksum: addChecksums(total.checksum, part.checksum) };
        },
      );
      // The parts' rows are the whole table only if it holds no other row: counted, not assumed.
      if (types.length === 0) types = await describeColumns(ctx.duck, buildingName, rowIdColumn);
      if ((await tableRowCount(ctx.duck, buildingName)) !== total.rowCount) total = await tableChecksum(ctx.duck, building, rowIdColumn, types, algorithm);
      problems = compareWithManifest(total, types, manifest);
      if (problems.length > 0 && (await tableExists(ctx.duck, table))) {
        // An app restoring into its own table: rows that do not match the manifest replace nothing.
        problems.push(`Table "${table}" was kept as it was: a restore that does not match replaces no table.`);
      } else {
        await replaceTable(ctx.duck, buildingName, table);
      }
    } finally {
      await ctx.duck.conn.query(`DROP TABLE IF EXISTS ${building}`);
    }
    return { table, rowIdColumn, ...total, matchesManifest: problems.length === 0, problems };
  });
}

/** Puts table `built` in the place of `table` in one transaction: there is never a moment without either. */
async function replaceTable(duck: DuckConnection, built: string, table: string): Promise<void> {
  await duck.conn.query('BEGIN TRANSACTION');
  try {
    await duck.conn.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
    await duck.conn.query(`ALTER TABLE ${quoteIdent(built)} RENAME TO ${quoteIdent(table)}`);
    await duck.conn.query('COMMIT');
  } catch (error) {
    await duck.conn.query('ROLLBACK');
    throw error;
  }
}

/** Checks the files, then computes the checksum part by part and compares both with the manifest. */
export async function verifySnapshot(ctx: RestoreContext, snapshotId: string): Promise<Omit<VerifyResult, 'elapsedMs'>> {
  return sayCancelled(ctx.signal, `Verification of "${snapshotId}" was cancelled.`, () => verifyLocked(ctx, snapshotId));
}

async function verifyLocked(ctx: RestoreContext, snapshotId: string): Promise<Omit<VerifyResult, 'elapsedMs'>> {
  return withSnapshotLock(ctx.lockFolder, snapshotId, async () => {
    const manifest = await readManifest(ctx.dir, snapshotId);
    const expected = { rowCount: manifest.rowCount, checksum: manifest.checksum.value };
    const { problems } = await checkPartFiles(ctx.dir, manifest);
    if (problems.length > 0) return { snapshotId, ok: false, expected, actual: { rowCount: 0, checksum: '' }, problems };
    const rowIdColumn = freeColumnName(manifest.schema.map((c) => c.name), DEFAULT_ROW_ID_COLUMN);
    const actual = { rowCount: 0, checksum: '0' };
    let types: ColumnSchema[] | undefined;
    await forEachPart(ctx, manifest, rowIdColumn, (ipc) =>
      withScratchTable(ctx.duck, ipc, async (scratch) => {
        const typed = typedSelect(scratch, rowIdColumn, manifest);
        types ??= await describeQuery(ctx.duck, typed, rowIdColumn);
        // The columns as read back and cast to the manifest's types: what the checksum's shape markers follow.
        const part = await tableChecksum(ctx.duck, `(${typed})`, rowIdColumn, types, manifest.checksum.algorithm);
        actual.rowCount += part.rowCount;
        actual.checksum = addChecksums(actual.checksum, part.checksum);
      }),
    );
    problems.push(...compareWithManifest(actual, types ?? [], manifest));
    return { snapshotId, ok: problems.length === 0, expected, actual, problems };
  });
}

/**
 * What the rows read back say against the manifest: the one comparison Restore and Verify
 * share. Their columns' types too (`types`, as DuckDB describes them once read back and cast
 * to the manifest's): the checksum cannot tell some types apart (a BIGNUM from a BLOB of the
 * same bytes, a HUGEINT from a DECIMAL(38,0)), so a value that came back as another type
 * is said, not matched.
 */
function compareWithManifest(actual: { rowCount: number; checksum: string }, types: readonly ColumnSchema[], manifest: SnapshotManifest): string[] {
  const problems: string[] = [];
  for (const column of manifest.schema) {
    const back = types.find((c) => c.name === column.name)?.type;
    if (back !== undefined && back !== column.type) problems.push(`Column "${column.name}" came back as ${back}, the manifest says ${column.type}.`);
  }
  if (actual.rowCount !== manifest.rowCount) problems.push(`${actual.rowCount.toLocaleString('en-US')} rows read back, the manifest says ${manifest.rowCount.toLocaleString('en-US')}.`);
  if (actual.checksum !== manifest.checksum.value) problems.push('The content checksum differs from the one recorded at export.');
  return problems;
}

/** Structural checks of every part against the manifest, without decoding any data. */
async function checkPartFiles(dir: FileSystemDirectoryHandle, manifest: SnapshotManifest): Promise<{ problems: string[]; valueBytes: number }> {
  const problems: string[] = [];
  let valueBytes = 0;
  for (const part of manifest.parts) {
    let file: File;
    try {
      file = await (await dir.getFileHandle(part.name)).getFile();
    } catch (error) {
      problems.push(`${part.name} is missing (${error instanceof Error ? error.name : String(error)}).`);
      continue;
    }
    const check = await checkParquet(file);
    if (check.status === 'empty') problems.push(`${part.name} is 0 bytes.`);
    else if (check.status === 'corrupt') problems.push(`${part.name} is corrupt: ${check.reason}.`);
    else {
      valueBytes += check.decodedBytes;
      if (check.bytes !== part.bytes) problems.push(`${part.name} has ${check.bytes} bytes, the manifest says ${part.bytes}.`);
      if (check.rows !== part.rows) problems.push(`${part.name} holds ${check.rows} rows, the manifest says ${part.rows}.`);
    }
  }
  return { problems, valueBytes };
}

/** Refuses, in our words, a table that would not fit the engine's memory next to what it holds. */
export async function assertTableFits(duck: DuckConnection, what: string, valueBytes: number, verb: 'restore' | 'load'): Promise<void> {
  const needed = valueBytes * TABLE_BYTES_PER_PARQUET_BYTE;
  const { limitBytes, usedBytes } = await engineMemory(duck);
  if (needed <= limitBytes - usedBytes) return;
  throw new UserFacingError(
    'EngineMemoryError',
    `${what} is too large to ${verb}: its table needs about ${formatBytes(needed)} of memory, and the engine (DuckDB-WASM) ` +
      `has ${formatBytes(Math.max(0, limitBytes - usedBytes))} free of its ${formatBytes(limitBytes)} limit` +
      (usedBytes > 0 ? ` (${formatBytes(usedBytes)} are held by tables it keeps: drop them to free memory)` : '') +
      (verb === 'restore' ? '. Verify still works: it reads one part at a time.' : '.'),
  );
}

/**
 * `SELECT <row id>, <columns as the manifest types them> FROM <table>`, of rows decoded with
 * their row ids. Parquet gives some types back as others: an ENUM as VARCHAR (which DuckDB
 * hashes differently, so the checksum would fail), a UUID in a list as VARCHAR, a HUGEINT in
 * a struct as DECIMAL(38,0). Each column is cast back to its manifest type, nested ones too.
 */
function typedSelect(table: string, rowIdColumn: string, manifest: SnapshotManifest): string {
  const columns = manifest.schema.map((c) => (isTypeText(c.type) ? `CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${quoteIdent(c.name)}` : quoteIdent(c.name)));
  return `SELECT ${[quoteIdent(rowIdColumn), ...columns].join(', ')} FROM ${quoteIdent(table)}`;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

/** Words, numbers, "quoted names", 'literals' (doubled quotes inside), brackets, commas and spaces. */
const TYPE_TOKEN = /\s+|[A-Za-z_][A-Za-z0-9_]*|\d+|"(?:[^"]|"")*"|'(?:[^']|'')*'|[()[\],]/y;

/**
 * Whether a manifest's type text (the manifest is a file anyone may have changed) may go into
 * SQL as a CAST's type: it is made only of the tokens DESCRIBE writes types with, and its
 * brackets pair up, so it cannot close the CAST around it or start anything else.
 */
export function isTypeText(type: string): boolean {
  const open: string[] = [];
  TYPE_TOKEN.lastIndex = 0;
  for (let at = 0; at < type.length; at = TYPE_TOKEN.lastIndex) {
    const token = TYPE_TOKEN.exec(type)?.[0];
    if (token === undefined) return false;
    if (token === '(' || token === '[') open.push(token === '(' ? ')' : ']');
    else if ((token === ')' || token === ']') && open.pop() !== token) return false;
  }
  return open.length === 0 && type.length > 0 && type.length <= 10_000;
}

/** A part's row groups decoded to Arrow IPC, or why it could not be. */
type DecodedPart = { groups: { ipc: Uint8Array; rows: number }[] } | { damaged: unknown; bytes: Uint8Array };

/**
 * Decodes the parts in order, one row group at a time, each with its row ids in front (column
 * `rowIdColumn`: the rows' places in the snapshot, counted over the parts in the manifest's
 * order, which the codec's worker adds), and calls `consume` with each. Overlapped
 * (src/engine/pipeline.ts): part i+1 is read and decoded while DuckDB's worker takes in part
 * i, so at most about three parts are in memory whatever the snapshot's size, and one row
 * group (100,000 rows by default) is handed to the engine at a time.
 */
async function forEachPart(
  ctx: RestoreContext,
  manifest: SnapshotManifest,
  rowIdColumn: string,
  consume: (ipc: Uint8Array) => Promise<void>,
  partDone?: (part: { first: number; rows: number }) => Promise<void>,
): Promise<void> {
  let rowsDone = 0;
  let firstRow = 0;
  const parts = manifest.parts.map((part, partIndex) => {
    const planned = { part, partIndex, firstRow };
    firstRow += part.rows;
    return planned;
  });
  await runPipeline<(typeof parts)[number], Uint8Array, DecodedPart, void>(
    parts,
    {
      async fetch({ part }) {
        try {
          return new Uint8Array(await (await (await ctx.dir.getFileHandle(part.name)).getFile()).arrayBuffer());
        } catch (error) {
          throw partUnread(error, manifest.snapshotId, part.name);
        }
      },
      // Given up once the restore stops (a part before it failed, a cancel): a decode that
      // never ends would otherwise hold the restore, and the engine's queue behind it.
      async transform(bytes, { firstRow }, halted) {
        try {
          return { groups: await decodeGroups(ctx.codec, bytes, rowGroupsOf(bytes), { column: rowIdColumn, first: firstRow }, halted) };
        } catch (error) {
          return { damaged: error, bytes };
        }
      },
      async store(decoded, { part, partIndex, firstRow }) {
        ctx.onProgress?.({ phase: 'restoring', rowsDone, rowsTotal: manifest.rowCount, part: partIndex, parts: manifest.parts.length });
        if ('damaged' in decoded) throw await decodeFailure(decoded.damaged, decoded.bytes, `Part ${part.name} of "${manifest.snapshotId}"`);
        let rows = 0;
        for (const group of decoded.groups) {
          ctx.signal?.throwIfAborted();
          await consume(group.ipc);
          rows += group.rows;
        }
        rowsDone += rows;
        await partDone?.({ first: firstRow, rows });
      },
    },
    ctx.signal,
    ctx.codec.concurrency,
  );
}

/**
 * What to decode of a Parquet file, in order: each row group's index with its row count
 * (from the footer). A file with no rows has no row group, but its schema still makes the
 * table: then it is read whole (index `undefined`).
 */
function rowGroupsOf(bytes: Uint8Array): { index: number | undefined; rows: number; valueBytes: number }[] {
  const groups = footerOf(bytes).row_groups;
  return groups.length === 0 ? [{ index: undefined, rows: 0, valueBytes: 0 }] : groups.map((group, index) => ({ index, rows: Number(group.num_rows), valueBytes: decodedBytes(group) }));
}

/** The names of a Parquet file's columns (the top-level ones: a struct is one column), from its footer. */
function topLevelColumns(bytes: Uint8Array): string[] {
  return parquetSchema(footerOf(bytes)).children.map((child) => child.element.name);
}

type SchemaNode = ReturnType<typeof parquetSchema>;

/** A column's type as its file declares it (physical, logical or converted, scale and precision, nested fields), in words that compare. */
function declaredType(node: SchemaNode): string {
  const e = node.element;
  const logical = e.logical_type ? ` ${JSON.stringify(e.logical_type, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}` : e.converted_type ? ` ${e.converted_type}` : '';
  const decimal = e.precision !== undefined ? ` (${e.precision}, ${e.scale ?? 0})` : '';
  const own = `${e.type ?? 'GROUP'}${e.type_length !== undefined ? `(${e.type_length})` : ''}${logical}${decimal}${e.repetition_type === 'REPEATED' ? ' repeated' : ''}`;
  return node.children.length > 0 ? `${own} {${node.children.map((child) => `${child.element.name}: ${declaredType(child)}`).join(', ')}}` : own;
}

/** Each top-level column's declared type, by name. */
function declaredTypes(bytes: Uint8Array): Map<string, string> {
  return new Map(parquetSchema(footerOf(bytes)).children.map((child) => [child.element.name, declaredType(child)]));
}

function footerOf(bytes: Uint8Array): FileMetaData {
  return parquetMetadata(bytes.slice(Math.max(0, bytes.length - 8 - footerLength(bytes))).buffer);
}

/** What one request to the codec decodes at most (a file's row groups are sent in batches of about this much). */
export const DECODE_BATCH_BYTES = 64 * 1024 * 1024;

/**
 * A file's row groups in batches of at most {@link DECODE_BATCH_BYTES} of decoded values (at
 * least one group each): every request to the codec's worker takes a copy of the whole
 * file, so a group at a time would copy a large file once per group.
 */
export function decodeBatches<G extends { valueBytes: number }>(groups: readonly G[]): G[][] {
  const batches: G[][] = [];
  let size = Infinity;
  for (const group of groups) {
    if (size + group.valueBytes > DECODE_BATCH_BYTES) {
      batches.push([]);
      size = 0;
    }
    batches.at(-1)!.push(group);
    size += group.valueBytes;
  }
  return batches;
}

/**
 * Row groups `groups` of a Parquet file (from {@link rowGroupsOf}) as Arrow IPC, with their
 * row counts, in one request to the codec (each crossing to its worker costs a copy of the file).
 */
async function decodeGroups(
  codec: ParquetCodec,
  bytes: Uint8Array,
  groups: readonly { index: number | undefined; rows: number }[],
  numbers?: RowNumbers,
  signal?: AbortSignal,
): Promise<{ ipc: Uint8Array; rows: number }[]> {
  const indexes = groups.flatMap(({ index }) => (index === undefined ? [] : [index]));
  const streams = await codec.decode(bytes, indexes.length === groups.length ? indexes : undefined, numbers, signal);
  return groups.map(({ rows }, i) => ({ ipc: streams[i], rows }));
}

/** Takes Arrow IPC into a scratch table for `use` (given its name), then drops it. */
async function withScratchTable(duck: DuckConnection, ipc: Uint8Array, use: (table: string) => Promise<unknown>): Promise<void> {
  const table = `__part_${crypto.randomUUID().replaceAll('-', '')}`;
  try {
    await insertArrow(duck, ipc, table, true);
    await use(table);
  } finally {
    await duck.conn.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
  }
}

/**
 * Appends Arrow IPC to table `table` (its name, not quoted), creating it from the stream's schema with
 * `create`; appended by position otherwise, each column cast to the table's type as an
 * INSERT casts.
 */
async function insertArrow(duck: DuckConnection, ipc: Uint8Array, table: string, create: boolean): Promise<void> {
  const unreadable = dictionariesInFixedLists(ipc);
  if (unreadable.length > 0) {
    throw new UserFacingError(
      'UnsupportedTypeError',
      `${unreadable.map((name) => `Column "${name}"`).join(' and ')} ${unreadable.length === 1 ? 'holds' : 'hold'} ENUM (dictionary) values inside a fixed-size array, which DuckDB-WASM cannot read (its reader would crash): the file was not read. Rewrite ${unreadable.length === 1 ? 'that column' : 'those columns'} as lists or as text to read it here.`,
    );
  }
  await duck.conn.useUnsafe((db, connId) => db.insertArrowFromIPCStream(connId, ipc, { name: table, create }));
}

/**
 * Builds table `name` from row groups decoded with their row ids in front, one call per
 * group: the first makes the table through a scratch table (`sql.create` picks and types
 * its columns); a later one goes straight in (one copy of its rows) when its columns are
 * the table's, in the table's order, else through a scratch table by `sql.append`.
 */
function tableBuilder(duck: DuckConnection, name: string, sql: { create(scratch: string): string; append(scratch: string): string }): (ipc: Uint8Array) => Promise<void> {
  let columns: string[] | undefined;
  return async (ipc) => {
    if (columns && sameNames(columnNames(ipc), columns)) return insertArrow(duck, ipc, name, false);
    await withScratchTable(duck, ipc, (scratch) => duck.conn.query(columns ? sql.append(scratch) : sql.create(scratch)));
    columns ??= (await describeColumns(duck, name, '')).map((c) => c.name);
  };
}

/**
 * Decodes a Parquet file's row groups in order, each with its row ids in front (from
 * `numbers`), and hands each to `consume`; resolves with the file's row count. `label` names
 * the file in errors.
 */
async function forEachRowGroup(
  ctx: Pick<RestoreContext, 'codec' | 'signal'>,
  bytes: Uint8Array,
  label: string,
  numbers: RowNumbers,
  consume: (ipc: Uint8Array) => Promise<void>,
): Promise<number> {
  let first = numbers.first;
  for (const batch of decodeBatches(rowGroupsOf(bytes))) {
    ctx.signal?.throwIfAborted();
    let decoded: { ipc: Uint8Array; rows: number }[];
    try {
      decoded = await decodeGroups(ctx.codec, bytes, batch, { column: numbers.column, first }, ctx.signal);
    } catch (error) {
      ctx.signal?.throwIfAborted();
      throw await decodeFailure(error, bytes, label);
    }
    for (const { ipc, rows } of decoded) {
      ctx.signal?.throwIfAborted();
      await consume(ipc);
      first += rows;
    }
  }
  return first - numbers.first;
}

/**
 * Reads Parquet files into one `table` (replacing it once complete), file after file, in
 * file order, its rows numbered across them as a restored snapshot's are, after checking
 * each file's structure and that the table fits the engine's memory.
 */
export async function loadParquetFiles(ctx: Pick<RestoreContext, 'duck' | 'codec' | 'signal'>, files: readonly { file: File; name: string }[], table: string): Promise<void> {
  let valueBytes = 0;
  let onDisk = 0;
  for (const { file, name } of files) {
    const check = await checkParquet(file);
    if (check.status === 'empty') throw new UserFacingError('ParquetError', `${name} is 0 bytes: there is nothing to query.`);
    if (check.status === 'corrupt') throw new UserFacingError('ParquetError', `${name} is not a readable Parquet file: ${check.reason}.`);
    valueBytes += check.decodedBytes;
    onDisk += file.size;
  }
  const what = files.length === 1 ? files[0].name : `${files.length} files`;
  await assertTableFits(ctx.duck, `${what} (${formatBytes(onDisk)} on disk)`, valueBytes, 'load');
  const buildingName = `__load_${crypto.randomUUID().replaceAll('-', '')}`;
  const building = quoteIdent(buildingName);
  const append = tableBuilder(ctx.duck, buildingName, {
    create: (scratch) => `CREATE TABLE ${building} AS SELECT * FROM ${quoteIdent(scratch)}`,
    // By name: a later file with its columns in another order still lines up; a different schema fails here, saying so.
    append: (scratch) => `INSERT INTO ${building} BY NAME SELECT * FROM ${quoteIdent(scratch)}`,
  });
  try {
    let rowId: string | undefined;
    let offset = 0;
    // The table takes the first file's types, and an INSERT would convert a later file's values to them (2.5 to 3):
    // files whose columns are declared otherwise are refused instead.
    let first: { name: string; types: Map<string, string> } | undefined;
    for (const { file, name } of files) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const types = declaredTypes(bytes);
      first ??= { name, types };
      for (const [column, type] of types) {
        const theirs = first.types.get(column);
        if (theirs !== undefined && theirs !== type) {
          throw new UserFacingError('ParquetError', `Column "${column}" is ${type} in ${name} but ${theirs} in ${first.name}: files that declare a column differently are not read into one table (its values would be converted). Open them one at a time.`);
        }
      }
      rowId ??= freeColumnName(topLevelColumns(bytes), DEFAULT_ROW_ID_COLUMN);
      offset += await forEachRowGroup(ctx, bytes, name, { column: rowId, first: offset }, append);
    }
    await ctx.duck.conn.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
    await ctx.duck.conn.query(`ALTER TABLE ${building} RENAME TO ${quoteIdent(table)}`);
  } finally {
    await ctx.duck.conn.query(`DROP TABLE IF EXISTS ${building}`);
  }
}

/** The length of the footer metadata, from a Parquet file's last 8 bytes (checked before by checkParquet). */
function footerLength(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 4).getUint32(0, true) + 8;
}

/**
 * What to report when the codec could not decode `bytes` (named `label`): where the file is
 * damaged, when another reader finds where. Else, if memory ran out (a JavaScript allocation
 * failing, in the codec's worker or in that reader), that, in words: the file is not known
 * to be damaged. Else, if the codec's worker stopped — parquet-wasm out of memory —, the
 * worker's own error: it starts again, and the file is fine. A trap is no proof of either:
 * arrow-rs panics on some damaged input, and a panic traps too.
 */
export async function decodeFailure(error: unknown, bytes: Uint8Array, label: string): Promise<Error> {
  const found = await locateDamage(bytes);
  if ('damage' in found) return new UserFacingError('SnapshotDamagedError', `${label} could not be decoded: ${found.damage}.`, { cause: error, explainsCause: true });
  // Memory running out says nothing of the bytes: not damage, whichever reader ran out.
  const memory = isOutOfMemory(error) ? error : 'outOfMemory' in found ? found.outOfMemory : undefined;
  if (memory !== undefined) {
    return new UserFacingError(
      'EngineMemoryError',
      `${label} could not be decoded: memory ran out (${describe(memory)}). Nothing shows that the file is damaged; drop tables the engine keeps, or close other tabs, and try again.`,
      { cause: error, explainsCause: true },
    );
  }
  if (error instanceof CodecWorkerError) return error;
  return new UserFacingError('SnapshotDamagedError', `${label} could not be decoded: its data is damaged, though every column chunk reads with another Parquet reader.`, {
    cause: error,
    explainsCause: true,
  });
}

/**
 * Why part `name` of a snapshot could not be read whole, in words: gone since its check, or
 * memory ran out holding it, or the browser's own reason (a file being written, say).
 */
function partUnread(error: unknown, snapshotId: string, name: string): UserFacingError {
  if (error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError')) {
    return new UserFacingError('SnapshotDamagedError', `Snapshot "${snapshotId}" is missing its part ${name}.`, { cause: error });
  }
  if (isOutOfMemory(error)) {
    return new UserFacingError('EngineMemoryError', `Part ${name} of "${snapshotId}" could not be read: memory ran out (${describe(error)}). Nothing shows that the file is damaged; try again with less open.`, {
      cause: error,
      explainsCause: true,
    });
  }
  return new UserFacingError('SnapshotReadError', `Part ${name} of "${snapshotId}" could not be read (${describe(error)}).`, { cause: error, explainsCause: true });
}

/**
 * Whether `error` says that memory ran out (an allocation of JavaScript's or WebAssembly's
 * failing, here or in a worker, whose errors arrive by name): no verdict on the bytes.
 */
function isOutOfMemory(error: unknown): boolean {
  if (!(error instanceof Error) || (error.name !== 'RangeError' && !(error instanceof RangeError))) return false;
  return /allocation failed|out of memory|could not allocate|maximum memory size/i.test(error.message);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Which column chunk of a Parquet file does not decode (`readsWhole` if every one reads): the
 * codec only says that something failed (its release build strips error strings), so each
 * chunk is read on its own with an independent reader (hyparquet) until one fails. Memory
 * running out while it reads ends the search without a verdict.
 */
async function locateDamage(bytes: Uint8Array): Promise<{ damage: string } | { readsWhole: true } | { outOfMemory: unknown }> {
  try {
    const buffer = bytes.slice().buffer;
    let metadata: FileMetaData;
    try {
      metadata = parquetMetadata(buffer);
    } catch (error) {
      if (isOutOfMemory(error)) throw error;
      return { damage: 'its footer metadata does not decode' };
    }
    let rowStart = 0;
    for (const [groupIndex, group] of metadata.row_groups.entries()) {
      const rowEnd = rowStart + Number(group.num_rows);
      for (const chunk of group.columns) {
        const name = chunk.meta_data?.path_in_schema.join('.') ?? '?';
        try {
          await parquetRead({ file: buffer, metadata, columns: [name], rowStart, rowEnd, compressors });
        } catch (error) {
          if (isOutOfMemory(error)) throw error;
          const codec = chunk.meta_data?.codec ?? 'unknown codec';
          return { damage: `row group ${groupIndex + 1} of ${metadata.row_groups.length}, column "${name}" (${codec}) is damaged (${error instanceof Error ? error.message : String(error)})` };
        }
      }
      rowStart = rowEnd;
    }
    return { readsWhole: true };
  } catch (error) {
    if (isOutOfMemory(error)) return { outOfMemory: error };
    throw error;
  }
}
