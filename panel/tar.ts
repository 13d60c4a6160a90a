/**
 * A minimal ustar writer, so that a snapshot (parts + manifest) downloads as one file
 * that every system can unpack (`tar xf`). Only regular files, names up to 100 bytes.
 * https://www.gnu.org/software/tar/manual/html_node/Standard.html
 */

const BLOCK = 512;

export interface TarEntry {
  name: string;
  data: Blob;
  modified: Date;
}

function writeString(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length > length) throw new Error(`"${value}" is too long for a tar header field of ${length} bytes.`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function headerFor(entry: TarEntry): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(BLOCK);
  writeString(header, 0, 100, entry.name);
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, entry.data.size);
  writeOctal(header, 136, 12, Math.floor(entry.modified.getTime() / 1000));
  header.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  header[156] = 0x30; // '0': regular file
  writeString(header, 257, 6, 'ustar');
  writeString(header, 263, 2, '00');
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  writeString(header, 148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** A tar archive of `entries`, assembled as a Blob of the entries' Blobs (nothing is copied into memory). */
export function tarBlob(entries: readonly TarEntry[]): Blob {
  const parts: BlobPart[] = [];
  for (const entry of entries) {
    parts.push(headerFor(entry), entry.data);
    const padding = (BLOCK - (entry.data.size % BLOCK)) % BLOCK;
    if (padding > 0) parts.push(new Uint8Array(padding));
  }
  parts.push(new Uint8Array(BLOCK * 2)); // two zero blocks end the archive
  return new Blob(parts, { type: 'application/x-tar' });
}
