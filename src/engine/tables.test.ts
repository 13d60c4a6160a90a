import { describe, expect, test } from 'vitest';
import { assertParquetKeeps } from './tables';

describe('columns whose values Parquet would not keep', () => {
  test.each(['TIME WITH TIME ZONE', 'TIMETZ', 'STRUCT(a INTEGER, t TIME WITH TIME ZONE)', 'TIME WITH TIME ZONE[]', 'MAP(VARCHAR, TIME WITH TIME ZONE)', 'time with time zone[3]'])('%s is refused, naming the column, before anything is written', (type) => {
    expect(() => assertParquetKeeps([{ name: 'id', type: 'BIGINT' }, { name: 'at', type }], 'Table "t"')).toThrow(
      expect.objectContaining({ name: 'UnsupportedTypeError', message: expect.stringMatching(/^Table "t" has column "at" of type .*: Parquet would keep the times without their offsets\. .* nothing was written\.$/) }),
    );
  });

  test.each(['TIME', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_NS', 'VARCHAR', 'STRUCT(times TIMESTAMP WITH TIME ZONE[])', 'INTERVAL'])('%s goes through', (type) => {
    expect(() => assertParquetKeeps([{ name: 'at', type }], 'Table "t"')).not.toThrow();
  });
});
