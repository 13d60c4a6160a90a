import { describe, expect, it } from 'vitest';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { arrowIpcFileToStream } from './arrow-ipc';

const table = tableFromArrays({ id: Int32Array.from([1, 2, 3]), name: ['a', 'b', 'c'] });

/** An IPC file laid out as Arrow C++ writes it: magic, stream with EOS, footer, length, magic. */
function cppStyleFile(stream: Uint8Array, footer = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])): Uint8Array {
  const magic = new TextEncoder().encode('ARROW1');
  const out = new Uint8Array(8 + stream.length + footer.length + 4 + 6);
  out.set(magic, 0);
  out.set(stream, 8);
  out.set(footer, 8 + stream.length);
  new DataView(out.buffer).setInt32(8 + stream.length + footer.length, footer.length, true);
  out.set(magic, out.length - 6);
  return out;
}

describe('arrowIpcFileToStream', () => {
  it('finds the stream inside an IPC file, which a stream reader then reads completely', () => {
    const stream = tableToIPC(table, 'stream');
    const file = cppStyleFile(stream);
    const inner = arrowIpcFileToStream(file);
    expect(inner.buffer).toBe(file.buffer); // a view, not a copy
    expect(Array.from(inner)).toEqual(Array.from(stream));
    const read = tableFromIPC(inner);
    expect(read.numRows).toBe(3);
    expect(read.getChild('name')?.toArray()).toEqual(['a', 'b', 'c']);
  });

  it('leaves a stream as it is', () => {
    const stream = tableToIPC(table, 'stream');
    expect(arrowIpcFileToStream(stream)).toBe(stream);
  });

  it('refuses a file whose stream has no end-of-stream marker rather than misreading its footer', () => {
    const stream = tableToIPC(table, 'stream');
    expect(Array.from(stream.subarray(-8))).toEqual([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    expect(() => arrowIpcFileToStream(cppStyleFile(stream.subarray(0, -8)))).toThrow(/end-of-stream/);
  });

  it('refuses a truncated file', () => {
    const file = cppStyleFile(tableToIPC(table, 'stream'));
    expect(() => arrowIpcFileToStream(file.subarray(0, file.length - 3))).toThrow(/trailing magic/);
  });
});
