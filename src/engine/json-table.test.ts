import { describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { jsonRecords, jsonToArrowIpc } from './json-table';

/** The table the IPC stream decodes to: column types and rows, as Arrow reads them back. */
function readBack(text: string) {
  const table = tableFromIPC(jsonToArrowIpc(jsonRecords(text)));
  return {
    types: Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)])),
    rows: table.toArray().map((row: { toJSON(): Record<string, unknown> }) => row.toJSON()),
  };
}

describe('JSON files as tables', () => {
  const records = [{ id: 1, kind: 'click', score: 2, ok: true, tags: ['a'], at: '2026-01-01' }, { id: 2, kind: '', score: 2.5, ok: null, extra: { x: 1 } }, { id: 3, kind: 'NULL' }];

  it('reads the same records from an array, from one value per line, with a BOM or CRLF', () => {
    const array = JSON.stringify(records);
    const lines = records.map((r) => JSON.stringify(r)).join('\n');
    const expected = readBack(array);
    for (const text of [lines, `${lines}\n`, lines.replaceAll('\n', '\r\n'), `\uFEFF${array}`, `\n\n${lines}\n\n`]) expect(readBack(text)).toEqual(expected);
  });

  it('types each key by its values, keeps every value, and NULL apart from the text "NULL" and ""', () => {
    const { types, rows } = readBack(JSON.stringify(records));
    expect(types).toEqual({ id: 'Int64', kind: 'Utf8', score: 'Float64', ok: 'Bool', tags: 'Utf8', at: 'Utf8', extra: 'Utf8' });
    expect(rows).toEqual([
      { id: 1n, kind: 'click', score: 2, ok: true, tags: '["a"]', at: '2026-01-01', extra: null },
      { id: 2n, kind: '', score: 2.5, ok: null, tags: null, at: null, extra: '{"x":1}' },
      { id: 3n, kind: 'NULL', score: null, ok: null, tags: null, at: null, extra: null },
    ]);
  });

  it('makes a key whose values are of several kinds text, each value as written', () => {
    const { types, rows } = readBack('[{"n": 1}, {"n": 1.5}, {"n": "x"}, {"n": [1]}]');
    expect(types.n).toBe('Utf8');
    expect(rows.map((r) => r.n)).toEqual(['1', '1.5', 'x', '[1]']);
  });

  // Integers a double cannot hold, each at the edges that matter, in every place a value can be.
  const wide = ['9007199254740992', '9007199254740993', '-9007199254740993', '12345678901234567', '9223372036854775807', '-9223372036854775808'];
  const wider = ['9223372036854775808', '-9223372036854775809', '123456789012345678901234567890'];
  it.each(wide)('keeps %s exact: a BIGINT column, as one value per line too', (digits) => {
    for (const text of [`[{"id": ${digits}}, {"id": 1}, {"id": null}]`, `{"id": ${digits}}\n{"id": 1}\n{"id": null}`, `[{"id":${digits},"s":"${digits}1"}, {"id": 1, "s": "x"}, {"id": null, "s": "-"}]`]) {
      const { types, rows } = readBack(text);
      expect(types.id).toBe('Int64');
      expect(rows.map((r) => r.id)).toEqual([BigInt(digits), 1n, null]);
    }
    // Digits inside a string are text, untouched.
    expect(readBack(`[{"s": "${digits}", "t": "a\\"${digits}"}]`).rows).toEqual([{ s: digits, t: `a"${digits}` }]);
  });

  it.each([...wide, ...wider])('writes %s exactly where it becomes text: beside other numbers, beyond BIGINT, nested', (digits) => {
    // Beside a fraction (a DOUBLE would round it) or beyond BIGINT: JSON text, the digits as written.
    const mixed = readBack(`[{"n": ${digits}}, {"n": 1.5}]`);
    const beyond = wider.includes(digits);
    expect(mixed.types.n).toBe('Utf8');
    expect(mixed.rows.map((r) => r.n)).toEqual([digits, '1.5']);
    const mixedFirst = readBack(`[{"n": 0.25}, {"n": ${digits}}]`);
    expect(mixedFirst.rows.map((r) => r.n)).toEqual(['0.25', digits]);
    const alone = readBack(`[{"n": ${digits}}]`);
    expect(alone.types.n).toBe(beyond ? 'Utf8' : 'Int64');
    expect(alone.rows[0].n).toEqual(beyond ? digits : BigInt(digits));
    // Inside an object or an array: the value's JSON, digits kept.
    const nested = readBack(`[{"o": {"a": [${digits}, 2], "b": "${digits}"}}]`);
    expect(nested.rows[0].o).toBe(`{"a":[${digits},2],"b":"${digits}"}`);
  });

  it('says what is wrong with a file that is not JSON records', () => {
    expect(() => jsonRecords('')).toThrow(/no JSON value/);
    expect(() => jsonRecords('[1, 2]')).toThrow(/Record 1 is not an object/);
    expect(() => jsonRecords('{"a": 1}\n{"a": ')).toThrow(/line 2 does not parse/);
    expect(() => jsonToArrowIpc(jsonRecords('[{}]'))).toThrow(/no keys/);
  });
});
