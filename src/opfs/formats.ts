/**
 * What a file is, told by its first bytes (and, where bytes cannot tell, its name): the
 * databases and logs that OPFS data apps leave beside their Parquet snapshots. Pure
 * functions of a {@link HeadProbe}; nothing here trusts a length or count a header claims
 * (the bytes come from an untrusted page, and from files a crash may have cut short).
 *
 * Formats and the bytes that tell them:
 *   sqlite          "SQLite format 3\0" and a 100-byte header (https://sqlite.org/fileformat.html §1.3)
 *   sqlite-journal  a rollback journal: magic d9d505f9 20a163d7, or a zeroed header, named `<db>-journal`
 *   sqlite-wal      magic 0x377f0682 / 0x377f0683, or named `<db>-wal`
 *   sqlite-shm      the WAL index, named `<db>-shm`
 *   sahpool         a slot of sqlite-wasm's `opfs-sahpool` VFS: the database's name in its
 *                   first 512 bytes, flags, a digest, the file's contents from byte 4096
 *   duckdb          "DUCK" at byte 8 (after a checksum), then the storage version; two
 *                   database headers at 4096 and 8192 (iteration, block count, block size)
 *   duckdb-wal      named `<db>.wal`
 *   parquet         "PAR1" (files named `*.parquet` are checked in full elsewhere)
 *   arrow           "ARROW1"
 *   json, csv       text: `{` or `[` first; or a `.csv`/`.tsv` name, or a first line with commas
 */
import { formatBytes, formatCount } from '../format';

export type DataFormat = 'parquet' | 'duckdb' | 'duckdb-wal' | 'sqlite' | 'sqlite-journal' | 'sqlite-wal' | 'sqlite-shm' | 'sahpool' | 'arrow' | 'csv' | 'json' | 'other';

/** Every format, in the order the filter offers them. */
export const DATA_FORMATS: readonly DataFormat[] = ['parquet', 'duckdb', 'duckdb-wal', 'sqlite', 'sqlite-journal', 'sqlite-wal', 'sqlite-shm', 'sahpool', 'arrow', 'csv', 'json', 'other'];

/** A DuckDB spill file (`duckdb_temp_storage…`, `duckdb_temp_block…`): a running DuckDB holds its own open. */
export const DUCKDB_TEMP_FILE = /^duckdb_temp_(storage|block)/;

/** Databases, their logs and sahpool slots: the files an app holds open, and whose damage a purge never removes. */
export const DATABASE_FORMATS: ReadonlySet<DataFormat> = new Set(['duckdb', 'duckdb-wal', 'sqlite', 'sqlite-journal', 'sqlite-wal', 'sqlite-shm', 'sahpool']);

/** The bytes a format verdict reads (see `readForVerdict`'s `head` read). */
export interface HeadProbe {
  /** The first bytes: {@link HEAD_BYTES} of them, or {@link SLOT_HEAD_BYTES} when the file may be an `opfs-sahpool` slot. */
  head: Uint8Array;
  /** Up to {@link AT_BYTES} bytes from offset 4096: a sahpool slot's contents, or DuckDB's first database header. */
  at4096: Uint8Array | null;
  /** Up to {@link AT_BYTES} bytes from offset 8192: DuckDB's second database header. */
  at8192: Uint8Array | null;
}

export const HEAD_BYTES = 128;
/** A sahpool slot's name (512), flags (4) and digest (8). */
export const SLOT_HEAD_BYTES = 524;
export const AT_BYTES = 100;

/** A header field for the details pane. */
export type FormatField = [label: string, value: string];

/** What the bytes say about one file. */
export interface FormatVerdict {
  format: DataFormat;
  /** A problem the file has on its own (a companion's missing database is judged with its folder). */
  problem?: { health: 'empty' | 'corrupt'; reason: string };
  /** One line for the list, e.g. "SQLite database: 12 pages of 4,096 bytes, WAL mode". */
  description: string;
  /** Header fields, for the details pane. */
  fields: FormatField[];
  /** For WAL, journal and shm files: the name of the database they belong to, in the same folder. */
  databaseName?: string;
  /** A sahpool slot's stored name ('' for a free slot). */
  slotName?: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const n = formatCount;

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const JOURNAL_MAGIC = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
const WAL_MAGICS = [0x377f0682, 0x377f0683];

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let text = '';
  for (let i = start; i < start + length && i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const isPowerOfTwo = (value: number): boolean => value > 0 && (value & (value - 1)) === 0;

/** Names by which a 0-byte file (which has no bytes to tell) is known. */
function formatByName(name: string): DataFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('-journal')) return 'sqlite-journal';
  if (lower.endsWith('-wal')) return 'sqlite-wal';
  if (lower.endsWith('-shm')) return 'sqlite-shm';
  if (lower.endsWith('.wal') || lower.endsWith('.wal.checkpoint')) return 'duckdb-wal';
  if (lower.endsWith('.duckdb') || lower.endsWith('.ddb')) return 'duckdb';
  if (/\.(sqlite3?|db3?|sqlitedb)$/.test(lower)) return 'sqlite';
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.arrow') || lower.endsWith('.feather')) return 'arrow';
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'csv';
  if (lower.endsWith('.json') || lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'json';
  return undefined;
}

/** The database a WAL, journal or shm file belongs to, by its name. */
export function databaseNameOf(name: string): string | undefined {
  for (const suffix of ['-journal', '-wal', '-shm', '.wal', '.wal.checkpoint']) {
    if (name.length > suffix.length && name.toLowerCase().endsWith(suffix)) return name.slice(0, -suffix.length);
  }
  return undefined;
}

/** The header of a SQLite database (https://sqlite.org/fileformat.html §1.3). */
export interface SqliteHeader {
  pageSize: number;
  writeVersion: number;
  readVersion: number;
  /** The in-header database size in pages, or null when SQLite would not trust it (legacy writers). */
  pageCount: number | null;
  changeCounter: number;
  freelistPages: number;
  schemaFormat: number;
  encoding: 'UTF-8' | 'UTF-16le' | 'UTF-16be';
  userVersion: number;
  applicationId: number;
  sqliteVersion: string;
}

/** Parses a SQLite header, or says in words why it is not one. */
export function parseSqliteHeader(bytes: Uint8Array): SqliteHeader | { invalid: string } {
  if (bytes.length < 100) return { invalid: `only ${bytes.length} bytes, too short for SQLite's 100-byte header` };
  const dv = view(bytes);
  const rawPageSize = dv.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (!isPowerOfTwo(pageSize) || pageSize < 512) return { invalid: `page size ${rawPageSize} is not a power of two from 512 to 65,536` };
  const writeVersion = bytes[18];
  const readVersion = bytes[19];
  if (writeVersion === 0 || readVersion === 0) return { invalid: `file format versions ${writeVersion}/${readVersion} (1 is rollback journal, 2 is WAL)` };
  if (bytes[21] !== 64 || bytes[22] !== 32 || bytes[23] !== 32) return { invalid: `payload fractions ${bytes[21]}/${bytes[22]}/${bytes[23]}, where SQLite requires 64/32/32` };
  const encodingCode = dv.getUint32(56);
  const encoding = encodingCode === 1 ? 'UTF-8' : encodingCode === 2 ? 'UTF-16le' : encodingCode === 3 ? 'UTF-16be' : undefined;
  const schemaFormat = dv.getUint32(44);
  const changeCounter = dv.getUint32(24);
  const inHeaderPages = dv.getUint32(28);
  // An empty database (no schema yet) may carry encoding 0 and schema format 0.
  if (encoding === undefined && !(encodingCode === 0 && inHeaderPages <= 1)) return { invalid: `text encoding ${encodingCode} (1, 2 or 3 are defined)` };
  if (schemaFormat > 4) return { invalid: `schema format ${schemaFormat} (1 to 4 are defined)` };
  // §1.3.7: the in-header size is valid only if nonzero and the change counter equals the version-valid-for number.
  const pageCount = inHeaderPages !== 0 && changeCounter === dv.getUint32(92) ? inHeaderPages : null;
  const version = dv.getUint32(96);
  return {
    pageSize,
    writeVersion,
    readVersion,
    pageCount,
    changeCounter,
    freelistPages: dv.getUint32(36),
    schemaFormat,
    encoding: encoding ?? 'UTF-8',
    userVersion: dv.getUint32(60),
    applicationId: dv.getUint32(68),
    sqliteVersion: version === 0 ? 'not recorded' : `${Math.floor(version / 1_000_000)}.${Math.floor(version / 1000) % 1000}.${version % 1000}`,
  };
}

function sqliteFields(header: SqliteHeader): FormatField[] {
  return [
    ['Page size', `${n(header.pageSize)} bytes`],
    ['Pages (header)', header.pageCount === null ? 'not recorded (written by a legacy writer)' : n(header.pageCount)],
    ['Journal mode', header.writeVersion === 2 ? 'WAL (format 2)' : header.writeVersion === 1 ? 'rollback journal (format 1)' : `format ${header.writeVersion}`],
    ['Read / write versions', `${header.readVersion} / ${header.writeVersion}`],
    ['Text encoding', header.encoding],
    ['Change counter', n(header.changeCounter)],
    ['Free pages', n(header.freelistPages)],
    ['Schema format', String(header.schemaFormat)],
    ['User version', n(header.userVersion)],
    ['Application id', `0x${header.applicationId.toString(16).padStart(8, '0')}`],
    ['Written by SQLite', header.sqliteVersion],
  ];
}

/** A SQLite database's verdict: its header, and whether its size agrees with it. `contentSize` excludes a sahpool slot's header. */
function judgeSqlite(bytes: Uint8Array, contentSize: number): FormatVerdict {
  const header = parseSqliteHeader(bytes);
  if ('invalid' in header) return { format: 'sqlite', problem: { health: 'corrupt', reason: `SQLite header does not parse: ${header.invalid}` }, description: 'SQLite database with a damaged header', fields: [] };
  const fields = sqliteFields(header);
  const mode = header.writeVersion === 2 ? 'WAL mode' : 'rollback journal';
  const { pageSize, pageCount } = header;
  if (pageCount !== null) {
    const expected = pageSize * pageCount;
    if (contentSize < expected) {
      return {
        format: 'sqlite',
        problem: { health: 'corrupt', reason: `truncated: its header says ${n(pageCount)} pages of ${n(pageSize)} bytes (${formatBytes(expected)}), the file holds ${formatBytes(contentSize)}` },
        description: `SQLite database, truncated`,
        fields,
      };
    }
  }
  if (contentSize % pageSize !== 0) {
    return { format: 'sqlite', problem: { health: 'corrupt', reason: `truncated: ${n(contentSize)} bytes is not a whole number of ${n(pageSize)}-byte pages` }, description: 'SQLite database, truncated', fields };
  }
  if (header.readVersion > 2) return { format: 'sqlite', description: `SQLite database in a format newer than this SQLite reads (read version ${header.readVersion})`, fields };
  const pages = pageCount ?? contentSize / pageSize;
  return { format: 'sqlite', description: `SQLite database: ${n(pages)} page${pages === 1 ? '' : 's'} of ${n(pageSize)} bytes, ${mode}, ${header.encoding}`, fields };
}

function judgeSqliteWal(bytes: Uint8Array, size: number, name: string): FormatVerdict {
  const databaseName = databaseNameOf(name);
  const dv = view(bytes);
  if (bytes.length < 32) return { format: 'sqlite-wal', problem: { health: 'corrupt', reason: `only ${size} bytes, too short for a WAL header (32)` }, description: 'SQLite WAL, cut short', fields: [], databaseName };
  const pageSize = dv.getUint32(8);
  if (!isPowerOfTwo(pageSize) || pageSize < 512 || pageSize > 65536) {
    return { format: 'sqlite-wal', problem: { health: 'corrupt', reason: `its WAL header gives page size ${pageSize}, not a power of two from 512 to 65,536` }, description: 'SQLite WAL with a damaged header', fields: [], databaseName };
  }
  const frameBytes = 24 + pageSize;
  const frames = Math.floor((size - 32) / frameBytes);
  const partial = (size - 32) % frameBytes !== 0;
  const fields: FormatField[] = [
    ['Page size', `${n(pageSize)} bytes`],
    ['Frames', n(frames)],
    ['Checkpoint sequence', n(dv.getUint32(12))],
    ['WAL format', String(dv.getUint32(4))],
  ];
  const tail = partial ? '; it ends in a partial frame (a write cut short), which SQLite ignores' : '';
  return { format: 'sqlite-wal', description: `SQLite WAL: ${n(frames)} frame${frames === 1 ? '' : 's'} of ${n(pageSize)}-byte pages${tail}`, fields, databaseName };
}

function judgeJournal(bytes: Uint8Array, name: string): FormatVerdict {
  const databaseName = databaseNameOf(name);
  if (bytes.length >= 28 && JOURNAL_MAGIC.every((b, i) => bytes[i] === b)) {
    const dv = view(bytes);
    const records = dv.getUint32(8);
    const fields: FormatField[] = [
      ['Page records', records === 0xffffffff ? 'all (synchronous=OFF)' : n(records)],
      ['Database size before the transaction', `${n(dv.getUint32(16))} pages`],
      ['Sector size', `${n(dv.getUint32(20))} bytes`],
      ['Page size', `${n(dv.getUint32(24))} bytes`],
    ];
    return { format: 'sqlite-journal', description: 'SQLite rollback journal of an unfinished transaction (hot): SQLite rolls it back when the database is next opened', fields, databaseName };
  }
  return { format: 'sqlite-journal', description: 'SQLite rollback journal, inactive (its header is zeroed)', fields: [], databaseName };
}

/** DuckDB's main header (after an 8-byte checksum): "DUCK", the storage version, flags, the library's version. */
function judgeDuckdb(probe: HeadProbe, size: number): FormatVerdict {
  const { head, at4096, at8192 } = probe;
  const dv = view(head);
  const fields: FormatField[] = [];
  if (head.length >= 20) fields.push(['Storage version', n(dv.getBigUint64(12, true))]);
  if (head.length >= 84) {
    const library = ascii(head, 52, 32).split('\u0000')[0];
    if (/^[\x20-\x7e]+$/.test(library)) fields.push(['Written by DuckDB', library]);
  }
  if (size < 3 * 4096) {
    return { format: 'duckdb', problem: { health: 'corrupt', reason: `truncated: ${n(size)} bytes, less than DuckDB's three 4 KiB headers` }, description: 'DuckDB database, truncated', fields };
  }
  // The active database header is the one with the higher iteration (DuckDB switches on each checkpoint).
  const headers = [at4096, at8192].flatMap((bytes) => {
    if (!bytes || bytes.length < 64) return [];
    const h = view(bytes);
    return [{ iteration: h.getBigUint64(8, true), blockCount: h.getBigUint64(32, true), blockSize: h.getBigUint64(40, true), vectorSize: h.getBigUint64(48, true) }];
  });
  if (headers.length < 2) return { format: 'duckdb', problem: { health: 'corrupt', reason: 'its database headers could not be read' }, description: 'DuckDB database with unreadable headers', fields };
  const active = headers[0].iteration >= headers[1].iteration ? headers[0] : headers[1];
  // Files before DuckDB 1.2 record no block size: theirs is 256 KiB.
  const blockSize = active.blockSize === 0n ? 262_144n : active.blockSize;
  fields.push(['Checkpoints', n(active.iteration)], ['Blocks', n(active.blockCount)], ['Block size', `${n(blockSize)} bytes`]);
  if (active.vectorSize !== 0n) fields.push(['Vector size', n(active.vectorSize)]);
  if (!isPowerOfTwo(Number(blockSize)) || blockSize < 4096n || blockSize > 1n << 30n) {
    return { format: 'duckdb', problem: { health: 'corrupt', reason: `its active header gives block size ${n(blockSize)}, not a power of two` }, description: 'DuckDB database with a damaged header', fields };
  }
  const expected = 3n * 4096n + active.blockCount * blockSize;
  if (BigInt(size) < expected) {
    return {
      format: 'duckdb',
      problem: { health: 'corrupt', reason: `truncated: its header says ${n(active.blockCount)} blocks of ${n(blockSize)} bytes (${formatBytes(Number(expected))} with the headers), the file holds ${formatBytes(size)}` },
      description: 'DuckDB database, truncated',
      fields,
    };
  }
  return { format: 'duckdb', description: `DuckDB database: ${n(active.blockCount)} block${active.blockCount === 1n ? '' : 's'} of ${formatBytes(Number(blockSize))}, ${n(active.iteration)} checkpoint${active.iteration === 1n ? '' : 's'}`, fields };
}

/** A sahpool slot: the stored name (UTF-8, zero-padded to 512 bytes), or undefined if the first bytes are not one. */
function slotName(head: Uint8Array): string | undefined {
  if (head.length < SLOT_HEAD_BYTES) return undefined;
  const end = head.subarray(0, 512).indexOf(0);
  if (end < 0) return undefined;
  for (let i = end; i < 512; i++) if (head[i] !== 0) return undefined;
  if (end === 0) return '';
  if (head[0] !== 0x2f) return undefined; // sqlite-wasm stores absolute names ("/app.sqlite3")
  try {
    return decoder.decode(head.subarray(0, end));
  } catch {
    return undefined;
  }
}

const SQLITE_OPEN_MAIN_DB = 0x100;
const SQLITE_OPEN_MAIN_JOURNAL = 0x800;
const SQLITE_OPEN_WAL = 0x80000;

function judgeSlot(probe: HeadProbe, size: number, name: string): FormatVerdict {
  if (name === '') return { format: 'sahpool', description: 'opfs-sahpool slot, free', fields: [['Stored name', '(none: free slot)']], slotName: '' };
  const flags = view(probe.head).getUint32(512);
  const kind = flags & SQLITE_OPEN_MAIN_DB ? 'database' : flags & SQLITE_OPEN_WAL ? 'WAL' : flags & SQLITE_OPEN_MAIN_JOURNAL ? 'journal' : 'file';
  const fields: FormatField[] = [['Stored name', name], ['Holds', kind], ['Flags', `0x${flags.toString(16)}`]];
  const contentSize = Math.max(0, size - 4096);
  if (kind === 'database' && probe.at4096 && ascii(probe.at4096, 0, 16) === SQLITE_MAGIC) {
    const inner = judgeSqlite(probe.at4096, contentSize);
    return { format: 'sahpool', problem: inner.problem, description: `opfs-sahpool slot of ${name}: ${inner.description}`, fields: [...fields, ...inner.fields], slotName: name };
  }
  if (kind === 'WAL' && probe.at4096 && probe.at4096.length >= 4 && WAL_MAGICS.includes(view(probe.at4096).getUint32(0))) {
    const inner = judgeSqliteWal(probe.at4096, contentSize, name);
    return { format: 'sahpool', problem: inner.problem, description: `opfs-sahpool slot of ${name}: ${inner.description}`, fields: [...fields, ...inner.fields], slotName: name };
  }
  return { format: 'sahpool', description: `opfs-sahpool slot of ${name} (${kind}, ${formatBytes(contentSize)})`, fields, slotName: name };
}

/** A cheap sniff of text: JSON by its first character, CSV by its name or a first line with commas. */
function sniffText(head: Uint8Array, name: string, size: number): DataFormat | undefined {
  if (head.includes(0)) return undefined;
  // The head may end inside a multi-byte character: only a cut at the very end is forgiven.
  let text: string | undefined;
  const forgiven = head.length < size ? 3 : 0;
  for (let cut = 0; cut <= forgiven && text === undefined; cut++) {
    try {
      text = decoder.decode(head.subarray(0, head.length - cut));
    } catch {
      text = undefined;
    }
  }
  if (text === undefined) return undefined;
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  const byName = formatByName(name);
  if (byName === 'json' || byName === 'csv') return byName;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return 'json';
  const firstLine = trimmed.split(/\r?\n/, 1)[0];
  if (firstLine.includes(',') && /^[\x20-\x7e\u00a0-\uffff\t]+$/.test(firstLine)) return 'csv';
  return undefined;
}

/**
 * The format of a file and what its own bytes say about its health. `probe` is undefined
 * for a 0-byte file (its name then says what it was meant to be).
 */
export function detectFormat(name: string, size: number, probe: HeadProbe | undefined): FormatVerdict {
  const byName = formatByName(name);
  const databaseName = databaseNameOf(name);
  if (size === 0 || !probe) {
    const format = byName ?? 'other';
    if (size === 0 && (format === 'duckdb' || format === 'sqlite')) {
      const reason =
        format === 'duckdb'
          ? '0 bytes: a DuckDB database that was never written (DuckDB-WASM can leave one at 0 bytes when it reopens an OPFS file)'
          : '0 bytes: a SQLite database that was never written';
      return { format, problem: { health: 'empty', reason }, description: reason, fields: [] };
    }
    const description =
      size === 0 && (format === 'sqlite-wal' || format === 'duckdb-wal' || format === 'sqlite-journal')
        ? `${format === 'duckdb-wal' ? 'DuckDB' : 'SQLite'} ${format === 'sqlite-journal' ? 'journal' : 'WAL'}, empty (as after a checkpoint or a commit)`
        : size === 0
          ? '0 bytes'
          : 'contents not read';
    return { format, description, fields: [], databaseName: format.includes('-') ? databaseName : undefined };
  }
  const { head } = probe;
  if (ascii(head, 0, 16) === SQLITE_MAGIC) return judgeSqlite(head, size);
  if (ascii(head, 8, 4) === 'DUCK') return judgeDuckdb(probe, size);
  if (head.length >= 4 && WAL_MAGICS.includes(view(head).getUint32(0))) return judgeSqliteWal(head, size, name);
  if (head.length >= 8 && JOURNAL_MAGIC.every((b, i) => head[i] === b)) return judgeJournal(head, name);
  if (ascii(head, 0, 6) === 'ARROW1') return { format: 'arrow', description: 'Arrow IPC file', fields: [] };
  if (ascii(head, 0, 4) === 'PAR1') return { format: 'parquet', description: 'Parquet (by its first bytes)', fields: [] };
  // Slots have random names without an extension; a zeroed journal (journal_mode=PERSIST) or a zeroed `.duckdb` would look like a free one.
  const slot = byName === undefined ? slotName(head) : undefined;
  if (slot !== undefined && size >= 4096) return judgeSlot(probe, size, slot);
  switch (byName) {
    case 'sqlite-journal':
      return judgeJournal(head, name);
    case 'sqlite-wal':
      return { format: 'sqlite-wal', problem: { health: 'corrupt', reason: 'named like a SQLite WAL, but its first bytes are not a WAL header' }, description: 'SQLite WAL with a damaged header', fields: [], databaseName };
    case 'sqlite-shm':
      return { format: 'sqlite-shm', description: 'SQLite WAL index (shared memory)', fields: [], databaseName };
    case 'duckdb-wal':
      return {
        format: 'duckdb-wal',
        description: name.toLowerCase().endsWith('.wal.checkpoint')
          ? `DuckDB's WAL of a checkpoint under way (${formatBytes(size)}): DuckDB renames it when the checkpoint ends, and deals with it when it next opens the database`
          : `DuckDB write-ahead log (${formatBytes(size)})`,
        fields: [],
        databaseName,
      };
    case 'duckdb':
      return { format: 'duckdb', problem: { health: 'corrupt', reason: "named like a DuckDB database, but it has no 'DUCK' header" }, description: 'not a DuckDB database', fields: [] };
    case 'sqlite':
      // `.db` is anyone's extension: only the SQLite-specific names are held to SQLite's header.
      if (!name.toLowerCase().endsWith('.db')) {
        return { format: 'sqlite', problem: { health: 'corrupt', reason: 'named like a SQLite database, but it has no SQLite header' }, description: 'not a SQLite database', fields: [] };
      }
      break;
    default:
      break;
  }
  const text = sniffText(head, name, size);
  if (text === 'json') return { format: 'json', description: 'JSON text', fields: [] };
  if (text === 'csv') return { format: 'csv', description: 'CSV text', fields: [] };
  return { format: 'other', description: 'not a data format the inspector knows', fields: [] };
}

/** The Web Locks whose names mention a file: its path or name, or for a log its database's name, for a sahpool slot its stored name. */
export function locksNaming<L extends { name: string }>(
  file: { path: string; name: string; databaseName?: string; slotName?: string },
  locks: readonly L[],
): L[] {
  const names = [file.path, file.name, file.databaseName, file.slotName?.replace(/^\//, '')].filter((name): name is string => typeof name === 'string' && name.length > 0);
  return locks.filter((lock) => names.some((name) => lock.name.includes(name)));
}
