/**
 * A minimal ZIP writer for packaging the extension (Firefox's add-on format is a ZIP).
 * Node 20 has DEFLATE (node:zlib) and CRC-32 (`zlib.crc32`, Node 20.15+) but no ZIP
 * container; this writes one, following the format's specification (PKWARE APPNOTE.TXT,
 * sections 4.3.7 local header, 4.3.12 central directory, 4.3.16 end record), without
 * ZIP64: an extension's files are far below 4 GiB.
 *
 * The archive is reproducible: entries sorted by path, '/'-separated, a fixed timestamp.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, no leading '/'. */
  path: string;
  data: Uint8Array;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const VERSION = 20; // 2.0: DEFLATE
const UTF8_NAMES = 0x0800; // general purpose bit 11: names are UTF-8
const STORED = 0;
const DEFLATED = 8;
// 1980-01-01 00:00:00, the earliest MS-DOS date: the same bytes on every build.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const MADE_BY_UNIX = 3 << 8;
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;
const LIMIT = 0xffff_ffff;

/** Builds a ZIP archive of `entries` (DEFLATE where it helps, stored otherwise). */
export function createZip(entries: readonly ZipEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (sorted.length > 0xffff) throw new Error(`Too many files for a ZIP without ZIP64: ${sorted.length}.`);
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of sorted) {
    if (!entry.path || entry.path.startsWith('/') || entry.path.includes('\\') || entry.path.split('/').includes('..')) {
      throw new Error(`Invalid path in archive: "${entry.path}".`);
    }
    const name = Buffer.from(entry.path, 'utf8');
    const deflated = deflateRawSync(entry.data, { level: 9 });
    const method = deflated.length < entry.data.length ? DEFLATED : STORED;
    const body = method === DEFLATED ? deflated : Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
    const checksum = crc32(entry.data);
    if (entry.data.length > LIMIT || offset > LIMIT) throw new Error(`"${entry.path}" does not fit a ZIP without ZIP64.`);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // no extra field
    chunks.push(local, name, body);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(CENTRAL_HEADER, 0);
    header.writeUInt16LE(MADE_BY_UNIX | VERSION, 4);
    header.writeUInt16LE(VERSION, 6);
    header.writeUInt16LE(UTF8_NAMES, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(DOS_TIME, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(checksum, 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(entry.data.length, 24);
    header.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal attributes: 0
    header.writeUInt32LE(REGULAR_FILE_0644, 38);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);

    offset += local.length + name.length + body.length;
  }
  const centralDirectory = Buffer.concat(central);
  if (offset > LIMIT) throw new Error('The archive does not fit a ZIP without ZIP64.');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, centralDirectory, end]);
}

/** Every file below `dir`, as archive entries with paths relative to `dir`. */
export function directoryEntries(dir: string): ZipEntry[] {
  const entries: ZipEntry[] = [];
  const walk = (folder: string) => {
    for (const item of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, item.name);
      if (item.isDirectory()) walk(path);
      else if (item.isFile()) entries.push({ path: relative(dir, path).split(sep).join('/'), data: readFileSync(path) });
    }
  };
  walk(dir);
  return entries;
}

/** Zips the contents of `dir` (not the folder itself: manifest.json sits at the archive's root) into `file`. */
export function zipDirectory(dir: string, file: string): { files: number; bytes: number } {
  const entries = directoryEntries(dir);
  const archive = createZip(entries);
  writeFileSync(file, archive);
  return { files: entries.length, bytes: archive.length };
}
