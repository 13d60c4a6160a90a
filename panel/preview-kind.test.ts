import { describe, expect, it } from 'vitest';
import { completeUtf8Length, detectKind, hexRows, looksLikeText } from './preview-kind';

const utf8 = (text: string) => new TextEncoder().encode(text);
const bytes = (...values: number[]) => new Uint8Array(values);

const IMAGES: [string, Uint8Array][] = [
  ['image/png', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13)],
  ['image/jpeg', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 16)],
  ['image/gif', utf8('GIF89a\x01\x00\x01\x00')],
  ['image/gif', utf8('GIF87a\x01\x00\x01\x00')],
  ['image/webp', new Uint8Array([...utf8('RIFF'), 0x24, 0, 0, 0, ...utf8('WEBPVP8 ')])],
  ['image/avif', new Uint8Array([0, 0, 0, 0x1c, ...utf8('ftypavif'), 0, 0, 0, 0])],
];

describe('detectKind', () => {
  it.each(IMAGES)('finds %s by its signature under any name, however the file is named', (mime, head) => {
    for (const name of ['photo', 'photo.png', 'data.json', 'x.csv', 'weird name.TXT']) {
      expect(detectKind(name, head, head.length + 100), name).toMatchObject({ kind: 'image', mime });
    }
  });

  it('tells Parquet by its magic, not its name', () => {
    const parquet = new Uint8Array([...utf8('PAR1'), 1, 2, 3, 4, 5, 6, 7, 8, ...utf8('PAR1')]);
    expect(detectKind('export.bin', parquet, 10_000).kind).toBe('parquet');
    expect(detectKind('fake.parquet', bytes(0, 1, 2, 3, 4, 5), 10_000)).toMatchObject({ kind: 'hex', why: expect.stringContaining('PAR1') });
  });

  it.each([
    ['a.json', '{"a": 1}', 'json'],
    ['A.JSON', '[1, 2]', 'json'],
    ['no-extension', '  \n {"a": 1}', 'json'],
    ['list', '[1,2,3]', 'json'],
    ['\ufeffbom.json', '\ufeff{"a": 1}', 'json'],
    ['t.csv', 'a,b\n1,2\n', 'csv'],
    ['t.tsv', 'a\tb\n1\t2\n', 'csv'],
    ['t.CSV.tmp', 'a,b\n1,2\n', 'csv'],
    ['notes.txt', 'héllo wörld — ✓', 'text'],
    ['events.ndjson', '{"a":1}\n{"a":2}\n', 'text'],
    ['log', 'plain text\r\nwith CRLF\tand tabs\f', 'text'],
    ['icon.svg', '<svg xmlns="http://www.w3.org/2000/svg"></svg>', 'image'],
    ['drawing', '<svg width="1"/>', 'image'],
  ])('%s holding %j is %s', (name, text, kind) => {
    const head = utf8(text);
    expect(detectKind(name, head, head.length).kind).toBe(kind);
  });

  it('shows binary in hex whatever the name says', () => {
    for (const name of ['a.json', 'b.csv', 'c.txt', 'd']) {
      expect(detectKind(name, bytes(0x7b, 0x00, 0x22, 0x61), 4).kind, name).toBe('hex');
      expect(detectKind(name, bytes(0xc3, 0x28, 0x41), 3).kind, name).toBe('hex'); // invalid UTF-8
    }
  });

  it('calls an empty file empty text, not binary', () => {
    expect(detectKind('empty.parquet', new Uint8Array(), 0)).toEqual({ kind: 'text', why: 'the file is empty' });
  });
});

describe('text detection across a read cut mid-character', () => {
  // Every UTF-8 length (1 to 4 bytes), cut at every byte of the last character.
  it.each(['a', 'é', '€', '😀'])('accepts text whose read ends inside %s only when the file goes on', (char) => {
    const whole = utf8(`text ${char}`);
    const width = utf8(char).length;
    for (let drop = 1; drop < width; drop++) {
      const head = whole.subarray(0, whole.length - drop);
      expect(completeUtf8Length(head)).toBe(whole.length - width);
      expect(looksLikeText(head, true)).toBe(true);
      expect(looksLikeText(head, false)).toBe(false);
    }
    expect(completeUtf8Length(whole)).toBe(whole.length);
  });
});

describe('hexRows', () => {
  it('prints offsets from where the page starts, 16 bytes a row, and dots for what is not printable', () => {
    const rows = hexRows(new Uint8Array(Array.from({ length: 20 }, (_, i) => 0x3e + i)), 0x1f0);
    expect(rows).toEqual([
      { offset: '000001f0', hex: '3e 3f 40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d', ascii: '>?@ABCDEFGHIJKLM' },
      { offset: '00000200', hex: '4e 4f 50 51', ascii: 'NOPQ' },
    ]);
    expect(hexRows(bytes(0, 0x7f, 0x80, 0x20), 0)[0].ascii).toBe('... ');
  });
});
