/**
 * What a file is, told from its first bytes and its name, with the reason in words: the
 * preview shows the kind it detected and why. Pure: the bytes are read by the caller.
 */

export type PreviewKind = 'parquet' | 'image' | 'json' | 'csv' | 'text' | 'hex';

export interface DetectedKind {
  kind: PreviewKind;
  /** For images: the MIME type the signature names. */
  mime?: string;
  /** Why, in words ("PNG signature in the first bytes"). */
  why: string;
}

/** Signatures of the image formats a browser shows in an <img>. */
const IMAGE_SIGNATURES: { mime: string; name: string; matches(head: Uint8Array): boolean }[] = [
  { mime: 'image/png', name: 'PNG', matches: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { mime: 'image/jpeg', name: 'JPEG', matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]) },
  { mime: 'image/gif', name: 'GIF', matches: (h) => ascii(h, 0, 6) === 'GIF87a' || ascii(h, 0, 6) === 'GIF89a' },
  { mime: 'image/webp', name: 'WebP', matches: (h) => ascii(h, 0, 4) === 'RIFF' && ascii(h, 8, 12) === 'WEBP' },
  { mime: 'image/bmp', name: 'BMP', matches: (h) => ascii(h, 0, 2) === 'BM' && h.length >= 26 },
  { mime: 'image/avif', name: 'AVIF', matches: (h) => ascii(h, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(h, 8, 12)) },
];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return end <= bytes.length ? String.fromCharCode(...bytes.subarray(start, end)) : '';
}

const extension = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

/**
 * Whether `bytes` read as UTF-8 text: valid UTF-8 (a sequence cut by the end of a partial
 * read is allowed when `cut`), a byte-order mark allowed, and no NUL or other control
 * characters a text file does not hold (tab, line breaks, form feed and escape are fine).
 */
export function looksLikeText(bytes: Uint8Array, cut: boolean): boolean {
  // Up to 3 bytes of a character the read cut in two.
  const whole = cut ? bytes.subarray(0, completeUtf8Length(bytes)) : bytes;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(whole);
  } catch {
    return false;
  }
  let controls = 0;
  for (const byte of whole) {
    if (byte === 0) return false;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b) controls++;
  }
  return controls <= whole.length / 100;
}

/** The length of `bytes` without a UTF-8 sequence the end cut short. */
export function completeUtf8Length(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let back = 1; back <= Math.min(3, end); back++) {
    const byte = bytes[end - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? end - back : end;
  }
  return end;
}

/**
 * The kind of a file of `size` bytes named `name` whose first bytes are `head` (all of it
 * when `head.length === size`). Content first, the name second: a `.json` that is not text
 * is shown in hex, and so is a `.png` without a PNG signature.
 */
export function detectKind(name: string, head: Uint8Array, size: number): DetectedKind {
  const ext = extension(name.replace(/\.tmp$/i, ''));
  if (size === 0) return { kind: 'text', why: 'the file is empty' };
  if (ascii(head, 0, 4) === 'PAR1' && size >= 12) return { kind: 'parquet', why: 'starts with the Parquet magic PAR1' };
  for (const signature of IMAGE_SIGNATURES) {
    if (signature.matches(head)) return { kind: 'image', mime: signature.mime, why: `${signature.name} signature in the first bytes` };
  }
  const cut = head.length < size;
  if (!looksLikeText(head, cut)) {
    return { kind: 'hex', why: ext === 'parquet' ? 'named .parquet but does not start with PAR1' : 'not text: binary bytes in the first read' };
  }
  const first = firstNonSpace(head);
  if (ext === 'svg' || (ext === '' && /^<svg[\s>]/i.test(new TextDecoder().decode(head.subarray(0, 256)).trimStart()))) {
    return { kind: 'image', mime: 'image/svg+xml', why: 'SVG text' };
  }
  if (ext === 'ndjson' || ext === 'jsonl') return { kind: 'text', why: `UTF-8 text named .${ext} (one JSON value per line)` };
  if (ext === 'json' || ext === 'geojson' || ext === 'webmanifest' || ((first === '{' || first === '[') && ext !== 'csv' && ext !== 'tsv')) {
    return { kind: 'json', why: ext.endsWith('json') || ext === 'webmanifest' ? `UTF-8 text named .${ext}` : `UTF-8 text starting with ${first}` };
  }
  if (ext === 'csv' || ext === 'tsv') return { kind: 'csv', why: `UTF-8 text named .${ext}` };
  return { kind: 'text', why: 'valid UTF-8 without binary bytes' };
}

function firstNonSpace(bytes: Uint8Array): string {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return i < bytes.length ? String.fromCharCode(bytes[i]) : '';
}

/** Rows of a hex dump: offset, 16 bytes in hex, and the printable ASCII of them. */
export function hexRows(bytes: Uint8Array, offset: number): { offset: string; hex: string; ascii: string }[] {
  const rows = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const line = bytes.subarray(i, i + 16);
    rows.push({
      offset: (offset + i).toString(16).padStart(8, '0'),
      hex: Array.from(line, (b) => b.toString(16).padStart(2, '0')).join(' '),
      ascii: Array.from(line, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join(''),
    });
  }
  return rows;
}
