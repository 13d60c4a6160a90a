import { describe, expect, test } from 'vitest';
import { assertParquetKeeps } from './tables';

describe('columns whose values Parquet would not keep', () => {
  test.each(['TIME WITH TIME ZONE', 'TIMETZ', 'STRUCT(a INTEGER, t TIME WITH TIME ZONE)', 'TIME WITH TIME ZONE[]', 'MAP(VARCHAR, TIME WITH TIME ZONE)', 'time with time zone[3]'])('%s is refused, naming the column, before anything is written', (type) => {
    expect(() => assertParquetKeeps([{ name: 'id', type: 'BIGINT' }, { name: 'at', type }], 'Table "t"')).toThrow(
      expect.objectContaining({ name: 'UnsupportedTypeError', message: expect.stringMatching(/^Table "t" has column "at" of type .*: Parquet would keep the times without their offsets\. .* nothing was written\.$/) }),
    );
  });

  test.each(['TIME', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_NS', 'VARCHAR', 'STRUCT(times TIMESTAMP WITH TIME ZONE[])', 'BIGINT', 'BLOB', 'UNIONS'])('%s goes through', (type) => {
    expect(() => assertParquetKeeps([{ name: 'at', type }], 'Table "t"')).not.toThrow();
  });

  // Each type, where DuckDB's type text can hold it: alone, in a list, an array, a struct, a map's key and value, deeper.
  const places = (t: string) => [t, `${t}[]`, `${t}[3]`, `STRUCT(a INTEGER, b ${t})`, `STRUCT(${t.toLowerCase().replace(/\W/g, '')}x ${t})`, `MAP(VARCHAR, ${t})`, `MAP(${t}, INTEGER)`, `STRUCT(a STRUCT(b ${t}[])[])`];
  const LOSSY = [
    { type: 'BIT', says: /Parquet has no type for bits: they would come back as bytes\. Cast it to VARCHAR first/ },
    { type: 'INTERVAL', says: /the Parquet codec \(parquet-wasm\) cannot write intervals/ },
    { type: 'UNION(n INTEGER, s VARCHAR)', says: /cannot write UNION values/ },
    { type: 'TIME_NS', says: /cannot hand nanosecond times to the codec\. Cast it to TIME \(microseconds\) or to VARCHAR first/ },
  ];
  for (const { type, says } of LOSSY) {
    test.each(places(type))(`%s is refused in words, naming the column`, (t) => {
      expect(() => assertParquetKeeps([{ name: 'id', type: 'BIGINT' }, { name: 'v', type: t }], 'Table "t"')).toThrow(
        expect.objectContaining({ name: 'UnsupportedTypeError', message: expect.stringMatching(new RegExp(`^Table "t" has column "v" of type .*${says.source}.*; nothing was written\\.$`)) }),
      );
    });
  }

  // Measured (tests/browser/library.test.ts): in a map, at any depth, as key or value, these came back as bytes.
  const inMaps = (t: string) => [`MAP(VARCHAR, ${t})`, `MAP(${t}, INTEGER)`, `MAP(VARCHAR, ${t})[]`, `STRUCT(a MAP(VARCHAR, ${t}[]))`, `MAP(VARCHAR, MAP(${t}, BOOLEAN))`, `STRUCT("a (b" VARCHAR, m MAP(VARCHAR, STRUCT(x ${t})))`];
  test.each(['UHUGEINT', 'BIGNUM', 'VARINT'].flatMap(inMaps))('%s is refused: the codec would bring the map\'s wide integers back as bytes', (t) => {
    expect(() => assertParquetKeeps([{ name: 'v', type: t }], 'Table "t"')).toThrow(/^Table "t" has column "v" of type .*: in a map, the Parquet codec would bring UHUGEINT and BIGNUM values back as bytes\. Cast it to the same type with those as VARCHAR \(or DECIMAL\(38,0\)\) first; nothing was written\.$/);
  });
  const ENUM = "ENUM('a', 'b)[2]', 'c''d')";
  test.each([`${ENUM}[2]`, `${ENUM}[][3]`, `${ENUM}[3][]`, `STRUCT(a ${ENUM})[2]`, `STRUCT(a ${ENUM}[], n INTEGER)[4]`, `MAP(VARCHAR, ${ENUM}[2])`, `STRUCT(x INTEGER[2], y STRUCT(z ${ENUM})[2])`])('%s is refused: DuckDB-WASM cannot read ENUM values in a fixed-size array back', (t) => {
    expect(() => assertParquetKeeps([{ name: 'v', type: t }], 'Table "t"')).toThrow(/: DuckDB-WASM cannot read ENUM values inside a fixed-size array back from Parquet \(its reader crashes\)\. Cast it to lists/);
  });
  // Where they come back whole: the refusals reach no further than what was measured.
  test.each([
    'UHUGEINT', 'UHUGEINT[]', 'UHUGEINT[3]', 'STRUCT(a UHUGEINT, m MAP(VARCHAR, INTEGER))', 'STRUCT(m MAP(VARCHAR, INTEGER), b BIGNUM[])', 'BIGNUM', 'MAP(VARCHAR, HUGEINT)', 'STRUCT("MAP(VARCHAR, UHUGEINT)" INTEGER)',
    ENUM, `${ENUM}[]`, `STRUCT(a ${ENUM}, b INTEGER[2])`, `MAP(${ENUM}, INTEGER)`, `STRUCT(a ${ENUM}[])[]`, 'STRUCT(a VARCHAR)[2]', "STRUCT(\"ENUM('x')\" INTEGER)[2]",
  ])('%s goes through', (t) => {
    expect(() => assertParquetKeeps([{ name: 'v', type: t }], 'Table "t"')).not.toThrow();
  });

  // A field may be named after a type: only the type refuses.
  test.each(['STRUCT(bit INTEGER)', 'STRUCT("interval" VARCHAR)', 'STRUCT(time_ns BIGINT, "union" INTEGER)', 'MAP(VARCHAR, STRUCT(bit BOOLEAN))'])('%s goes through', (type) => {
    expect(() => assertParquetKeeps([{ name: 'at', type }], 'Table "t"')).not.toThrow();
  });

  test('several kinds at once are each said, with what to cast them to', () => {
    expect(() =>
      assertParquetKeeps(
        [
          { name: 'a', type: 'BIT' },
          { name: 'b', type: 'INTERVAL' },
          { name: 'c', type: 'BIT[]' },
        ],
        'Table "t"',
      ),
    ).toThrow(/^Table "t" has column "b" of type INTERVAL: .*\. It has column "a" of type BIT and column "c" of type BIT\[\]: .* Cast them to VARCHAR first; nothing was written\.$|^Table "t" has column "a" of type BIT and column "c" of type BIT\[\]: .*\. It has column "b" of type INTERVAL: .*; nothing was written\.$/);
  });
});
