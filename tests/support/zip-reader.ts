/**
 * Reads a ZIP archive back (central directory, then each entry, stored or DEFLATE), to
 * check what scripts/zip.ts wrote. Deliberately written from the format specification
 * rather than sharing code with the writer.
 */
import { crc32, inflateRawSync } from 'node:zlib';

export interface ReadEntry {
  path: string;
  method: number;
  data: Buffer;
}

export function readZip(archive: Buffer): ReadEntry[] {
  const endAt = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error('No end of central directory record.');
  const count = archive.readUInt16LE(endAt + 10);
  let at = archive.readUInt32LE(endAt + 16);
  const entries: ReadEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(at) !== 0x02014b50) throw new Error(`Bad central directory header ${i}.`);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const compressed = archive.readUInt32LE(at + 20);
    const size = archive.readUInt32LE(at + 24);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    const localAt = archive.readUInt32LE(at + 42);
    const path = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (archive.readUInt32LE(localAt) !== 0x04034b50) throw new Error(`Bad local header for ${path}.`);
    const dataAt = localAt + 30 + archive.readUInt16LE(localAt + 26) + archive.readUInt16LE(localAt + 28);
    const body = archive.subarray(dataAt, dataAt + compressed);
    const data = method === 8 ? inflateRawSync(body) : method === 0 ? Buffer.from(body) : undefined;
    if (!data) throw new Error(`Unknown method ${method} for ${path}.`);
    if (data.length !== size || crc32(data) !== crc) throw new Error(`Size or CRC mismatch for ${path}.`);
    entries.push({ path, method, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
