/**
 * Files of the formats src/opfs/formats.ts tells, built byte by byte from their specs, with
 * every field open to a lie: for unit tests of the verdicts and for hostile files put into a
 * real page's OPFS. (Files written by the real SQLite and DuckDB are made in the browser tests.)
 */

export interface SqliteHeaderFields {
  /** The raw 2-byte field (1 means 65,536). */
  pageSizeField?: number;
  pageCount?: number;
  changeCounter?: number;
  /** Default: equal to the change counter (the in-header size is then trusted). */
  versionValidFor?: number;
  writeVersion?: number;
  readVersion?: number;
  fractions?: [number, number, number];
  encoding?: number;
  schemaFormat?: number;
}

/** A SQLite database file: a 100-byte header, then zeros up to `size`. */
export function sqliteBytes(fields: SqliteHeaderFields, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  const header = new Uint8Array(100);
  header.set(new TextEncoder().encode('SQLite format 3\u0000'));
  const dv = new DataView(header.buffer);
  dv.setUint16(16, fields.pageSizeField ?? 4096);
  header[18] = fields.writeVersion ?? 1;
  header[19] = fields.readVersion ?? 1;
  const [max, min, leaf] = fields.fractions ?? [64, 32, 32];
  header[21] = max;
  header[22] = min;
  header[23] = leaf;
  const counter = fields.changeCounter ?? 3;
  dv.setUint32(24, counter);
  dv.setUint32(28, fields.pageCount ?? 1);
  dv.setUint32(44, fields.schemaFormat ?? 4);
  dv.setUint32(56, fields.encoding ?? 1);
  dv.setUint32(92, fields.versionValidFor ?? counter);
  dv.setUint32(96, 3_045_001);
  bytes.set(header.subarray(0, Math.min(100, size)));
  return bytes;
}

/** A SQLite WAL: its 32-byte header and `frames` frames of `pageSize` pages, plus `extra` bytes of a frame cut short. */
export function walBytes(pageSize: number, frames: number, extra = 0, magic = 0x377f0682): Uint8Array {
  const bytes = new Uint8Array(32 + frames * (24 + pageSize) + extra);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, magic);
  dv.setUint32(4, 3_007_000);
  dv.setUint32(8, pageSize);
  dv.setUint32(12, 1);
  return bytes;
}

/** A rollback journal: hot (its magic and header) or zeroed (journal_mode=PERSIST after a commit). */
export function journalBytes(hot: boolean, size = 4096): Uint8Array {
  const bytes = new Uint8Array(size);
  if (hot) {
    bytes.set([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(8, 1);
    dv.setUint32(16, 3);
    dv.setUint32(20, 512);
    dv.setUint32(24, 4096);
  }
  return bytes;
}

export interface DuckdbFields {
  version?: bigint;
  library?: string;
  /** Iterations of the headers at 4096 and 8192: the higher is active. */
  iterations?: [bigint, bigint];
  blockCount?: bigint;
  /** 0 for files before DuckDB 1.2 (256 KiB blocks). */
  blockSize?: bigint;
}

/** A DuckDB database: the main header ("DUCK" after an 8-byte checksum), two database headers, then blocks (or `size` bytes). */
export function duckdbBytes(fields: DuckdbFields, size?: number): Uint8Array {
  const blockSize = fields.blockSize ?? 262_144n;
  const blockCount = fields.blockCount ?? 2n;
  const full = 3 * 4096 + Number(blockCount) * Number(blockSize === 0n ? 262_144n : blockSize);
  const bytes = new Uint8Array(size ?? full);
  const dv = new DataView(bytes.buffer);
  const put64 = (at: number, value: bigint) => at + 8 <= bytes.length && dv.setBigUint64(at, value, true);
  if (bytes.length >= 12) bytes.set(new TextEncoder().encode('DUCK'), 8);
  put64(12, fields.version ?? 64n);
  if (bytes.length >= 84) bytes.set(new TextEncoder().encode(fields.library ?? 'v1.3.2').subarray(0, 32), 52);
  const [first, second] = fields.iterations ?? [1n, 2n];
  for (const [at, iteration] of [[4096, first], [8192, second]] as const) {
    put64(at + 8, iteration);
    put64(at + 16, 0n);
    put64(at + 24, 0xffff_ffff_ffff_ffffn);
    put64(at + 32, iteration === (first > second ? first : second) ? blockCount : 1n);
    put64(at + 40, blockSize);
    put64(at + 48, 2048n);
  }
  return bytes;
}

/** An opfs-sahpool slot: the stored name (UTF-8, zero-padded to 512), flags, a digest, then `content` from byte 4096. */
export function sahpoolSlotBytes(name: string, flags: number, content: Uint8Array = new Uint8Array()): Uint8Array {
  const bytes = new Uint8Array(4096 + content.length);
  bytes.set(new TextEncoder().encode(name).subarray(0, 511));
  new DataView(bytes.buffer).setUint32(512, flags);
  bytes.set([1, 2, 3, 4, 5, 6, 7, 8], 516);
  bytes.set(content, 4096);
  return bytes;
}

export const SQLITE_OPEN_MAIN_DB = 0x100;
export const SQLITE_OPEN_MAIN_JOURNAL = 0x800;
export const SQLITE_OPEN_WAL = 0x80000;
