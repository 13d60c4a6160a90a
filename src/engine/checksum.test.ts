import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { nativeDuckDB, rows, type NativeDuckDB } from '../../tests/support/native-duckdb';
import type { ChecksumAlgorithm } from '../protocol';
import { checksumSql, parseTypeShape } from './checksum';

describe("a column type's shape, as DESCRIBE writes the type", () => {
  test.each([
    ['BIGINT', { kind: 'other' }],
    ['DOUBLE', { kind: 'float' }],
    ['FLOAT', { kind: 'float' }],
    ['DECIMAL(18,3)', { kind: 'other' }],
    ['TIMESTAMP WITH TIME ZONE', { kind: 'other' }],
    ["ENUM('a, b', 'c''d', ')[]')", { kind: 'other' }],
    ['DOUBLE[]', { kind: 'list', of: { kind: 'float' } }],
    ['INTEGER[2][]', { kind: 'list', of: { kind: 'array', of: { kind: 'other' } } }],
    ['STRUCT("a b" DOUBLE, "x""y" VARCHAR[])', { kind: 'struct', fields: [{ name: 'a b', type: { kind: 'float' } }, { name: 'x"y', type: { kind: 'list', of: { kind: 'other' } } }] }],
    ['STRUCT(ünï DOUBLE, "select" INTEGER, a-b VARCHAR[])', { kind: 'struct', fields: [{ name: 'ünï', type: { kind: 'float' } }, { name: 'select', type: { kind: 'other' } }, { name: 'a-b', type: { kind: 'list', of: { kind: 'other' } } }] }],
    ['UNION(n INTEGER, d DOUBLE)', { kind: 'other' }],
    ['MAP(VARCHAR, STRUCT(f FLOAT))', { kind: 'map', key: { kind: 'other' }, value: { kind: 'struct', fields: [{ name: 'f', type: { kind: 'float' } }] } }],
    ['STRUCT(t TIMESTAMP WITH TIME ZONE, m MAP(DOUBLE, INTEGER[]))[3]', {
      kind: 'array',
      of: { kind: 'struct', fields: [{ name: 't', type: { kind: 'other' } }, { name: 'm', type: { kind: 'map', key: { kind: 'float' }, value: { kind: 'list', of: { kind: 'other' } } } }] },
    }],
  ])('%s', (text, shape) => expect(parseTypeShape(text)).toEqual(shape));

  test.each(['', 'STRUCT(a INTEGER', 'MAP(VARCHAR)', 'INTEGER]', "ENUM('a)", 'INTEGER junk'])('%j is refused, not read as a flat type', (text) => {
    expect(() => parseTypeShape(text)).toThrow(/Cannot read the type/);
  });
});

/**
 * Pairs of values that compare distinct but that DuckDB's hash() hashes alike, each with its
 * type: the checksum must tell them apart wherever they sit in a column's type. Version 1
 * sums each alike alone in a row, but for `apartInV1`.
 */
const ALIKE: { a: string; b: string; type: string; apartInV1?: true }[] = [
  { a: 'NULL', b: '[]', type: 'INTEGER[]' },
  // hash([NULL]) = hash([]), but not once in a row with other columns; the same for an array of NULLs.
  { a: '[NULL]', b: '[]', type: 'INTEGER[]', apartInV1: true },
  { a: '[[]]', b: '[NULL]', type: 'INTEGER[][]' },
  { a: '[[NULL]]', b: '[[]]', type: 'VARCHAR[][]' },
  { a: 'NULL', b: "{'a': NULL}", type: 'STRUCT(a INTEGER)' },
  { a: "{'a': NULL, 'b': []}", b: "{'a': NULL, 'b': NULL}", type: 'STRUCT(a INTEGER, b INTEGER[])' },
  { a: 'NULL', b: 'MAP {}', type: 'MAP(VARCHAR, INTEGER)' },
  { a: "MAP {'k': []}", b: "MAP {'k': NULL}", type: 'MAP(VARCHAR, INTEGER[])' },
  { a: 'NULL', b: '[NULL, NULL]', type: 'INTEGER[2]', apartInV1: true },
  // A literal -0.0 is a DECIMAL, which has no negative zero: these are cast from text.
  { a: "'-0.0'::DOUBLE", b: "'0.0'::DOUBLE", type: 'DOUBLE' },
  { a: "'-0.0'::FLOAT", b: "'0.0'::FLOAT", type: 'FLOAT' },
  { a: "MAP {'-0.0'::DOUBLE: 1}", b: "MAP {'0.0'::DOUBLE: 1}", type: 'MAP(DOUBLE, INTEGER)' },
];

/** Where a value may sit: the expression of the column around value `v` of type `t`, and the column's type. */
const PLACES: [string, (v: string, t: string) => [string, string]][] = [
  ['alone', (v, t) => [v, t]],
  ['in a list', (v, t) => [`[${v}, NULL]`, `${t}[]`]],
  ['in a struct', (v, t) => [`{'s': ${v}, 'n': 1}`, `STRUCT(s ${t}, n INTEGER)`]],
  ['as a map value', (v, t) => [`MAP {'k': ${v}}`, `MAP(VARCHAR, ${t})`]],
  ['in an array', (v, t) => [`[${v}, ${v}]`, `${t}[2]`]],
  ['in a list of structs', (v, t) => [`[{'a': ${v}}]`, `STRUCT(a ${t})[]`]],
  ['deep in structs and lists', (v, t) => [`{'x': [{'y': [${v}]}]}`, `STRUCT(x STRUCT(y ${t}[])[])`]],
  ['in a struct in a map in a list', (v, t) => [`[MAP {'k': {'z': ${v}}}]`, `MAP(VARCHAR, STRUCT(z ${t}))[]`]],
];

describe('the content checksum, in native DuckDB', () => {
  let duck: NativeDuckDB;
  beforeAll(async () => {
    duck = await nativeDuckDB();
  });
  afterAll(() => duck.close());

  /** The checksum of one row (row id 0, then the value of `sql` as a column of `type`, then an id column). */
  async function checksumOf(sql: string, type: string, algorithm: ChecksumAlgorithm): Promise<string> {
    await duck.conn.run(`CREATE OR REPLACE TABLE probe AS SELECT 0::BIGINT AS "__row_id", (${sql})::${type} AS "v a l", 7 AS "id"`);
    const described = await rows(duck.conn, 'SELECT column_name, column_type FROM (DESCRIBE probe) WHERE column_name <> \'__row_id\'');
    const columns = described.map((c) => ({ name: String(c.column_name), type: String(c.column_type) }));
    const [sum] = await rows(duck.conn, checksumSql('probe', '__row_id', columns, algorithm));
    return String(sum?.checksum);
  }

  const cases = ALIKE.flatMap(({ a, b, type }) => PLACES.map(([place, wrap]) => ({ what: `${a} against ${b} (${type}) ${place}`, a: wrap(a, type), b: wrap(b, type) })));

  test('the values compared are distinct, and version 1 sums each pair alike where it sits alone (the blind spots version 2 closes)', async () => {
    for (const { a, b, type, apartInV1 } of ALIKE) {
      const [distinct] = await rows(duck.conn, `SELECT (${a})::${type} IS DISTINCT FROM (${b})::${type} AS d, ((${a})::${type})::VARCHAR AS at, ((${b})::${type})::VARCHAR AS bt`);
      // -0.0 and 0.0 compare equal in SQL; their text tells them apart.
      expect(distinct?.d === true || distinct?.at !== distinct?.bt, `${a} against ${b}`).toBe(true);
      expect(await checksumOf(a, type, 'duckdb-hash-sum-v1') === (await checksumOf(b, type, 'duckdb-hash-sum-v1')), `${a} against ${b} (${type})`).toBe(!apartInV1);
    }
  });

  test.each(cases.map((c) => [c.what, c] as const))('version 2 tells apart %s', async (_, { a, b }) => {
    expect(await checksumOf(a[0], a[1], 'duckdb-hash-sum-v2')).not.toBe(await checksumOf(b[0], b[1], 'duckdb-hash-sum-v2'));
    // The same value sums the same each time.
    expect(await checksumOf(a[0], a[1], 'duckdb-hash-sum-v2')).toBe(await checksumOf(a[0], a[1], 'duckdb-hash-sum-v2'));
  });

  // DuckDB's hash of a list of lists loses what it holds when the hash of what comes before it
  // in the row is 0, as hash(0) is: in row 0, after the row id. Version 2 starts every row
  // with a constant. The family: every list of at most two lists of at most two of NULL, 0, 1.
  test('version 2 tells apart every list of lists in row 0, after columns that are 0 (version 1 summed many alike)', async () => {
    const atoms = ['NULL', '0', '1'];
    const inner = ['NULL', '[]', ...atoms.map((a) => `[${a}]`), ...atoms.flatMap((a) => atoms.map((b) => `[${a}, ${b}]`))];
    const values = ['NULL', '[]', ...inner.map((a) => `[${a}]`), ...inner.flatMap((a) => inner.map((b) => `[${a}, ${b}]`))];
    await duck.conn.run(`CREATE OR REPLACE TABLE family AS ${values.map((v, i) => `SELECT ${i} AS idx, 0::BIGINT AS "__row_id", 0::INTEGER AS z, (${v})::INTEGER[][] AS v`).join(' UNION ALL ')}`);
    const columns = [{ name: 'z', type: 'INTEGER' }, { name: 'v', type: 'INTEGER[][]' }];
    const alike = async (algorithm: ChecksumAlgorithm) => {
      const byChecksum = new Map<string, string[]>();
      for (const [i, value] of values.entries()) {
        const [sum] = await rows(duck.conn, checksumSql(`(SELECT * FROM family WHERE idx = ${i})`, '__row_id', columns, algorithm));
        byChecksum.set(String(sum?.checksum), [...(byChecksum.get(String(sum?.checksum)) ?? []), value]);
      }
      return [...byChecksum.values()].filter((group) => group.length > 1);
    };
    expect(values.length).toBe(212);
    expect((await alike('duckdb-hash-sum-v1')).length, 'version 1').toBeGreaterThan(0);
    expect(await alike('duckdb-hash-sum-v2')).toEqual([]);
  });
});
