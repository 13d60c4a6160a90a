import { describe, expect, it } from 'vitest';
import { Dictionary, Field, FixedSizeList, Int32, List, Struct, Table, Utf8, tableFromArrays, tableFromIPC, tableToIPC, vectorFromArray, type DataType } from 'apache-arrow';
import { arrowIpcFileToStream, dictionariesInFixedLists } from './arrow-ipc';

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

describe('dictionariesInFixedLists', () => {
  const enumType = () => new Dictionary(new Utf8(), new Int32());
  const item = (type: DataType) => new Field('item', type, true);
  const streamOf = (type: DataType, values: unknown[]) => tableToIPC(new Table({ id: vectorFromArray([1, 2], new Int32()), v: vectorFromArray(values, type) }), 'stream');

  // How an ENUM array reaches DuckDB-WASM, alone or deeper: its reader crashes on each.
  it.each([
    ['an array of ENUM', new FixedSizeList(2, item(enumType())), [['a', 'b'], ['b', null]]],
    ['an array of structs holding an ENUM', new FixedSizeList(1, item(new Struct([new Field('a', enumType(), true)]))), [[{ a: 'a' }], [{ a: 'b' }]]],
    ['a list of ENUM arrays', new List(item(new FixedSizeList(2, item(enumType())))), [[['a', 'b']], []]],
    ['an array of ENUM lists', new FixedSizeList(1, item(new List(item(enumType())))), [[['a']], [['b', 'a']]]],
  ])('names the column of %s', (_what, type, values) => {
    expect(dictionariesInFixedLists(streamOf(type, values))).toEqual(['v']);
  });

  // What DuckDB-WASM reads: dictionaries in lists and structs, arrays of plain values.
  it.each([
    ['an ENUM', enumType(), ['a', 'b']],
    ['a list of ENUM', new List(item(enumType())), [['a'], ['b', 'a']]],
    ['a struct holding an ENUM', new Struct([new Field('a', enumType(), true)]), [{ a: 'a' }, { a: 'b' }]],
    ['an array of text', new FixedSizeList(2, item(new Utf8())), [['a', 'b'], ['c', 'd']]],
  ])('lets %s through', (_what, type, values) => {
    expect(dictionariesInFixedLists(streamOf(type, values))).toEqual([]);
  });
});
