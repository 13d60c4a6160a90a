import { describe, expect, it } from 'vitest';
import { queryFileFormat, tableNameForFile } from './query-files';

describe('files that open in Query', () => {
  it('tells the format by the extension, in any case, and nothing else', () => {
    const cases: [string, string | null][] = [
      ['a.parquet', 'parquet'], ['A.PARQUET', 'parquet'], ['x.parq', 'parquet'], ['t.csv', 'csv'], ['t.TSV', 'csv'], ['d.json', 'json'], ['d.jsonl', 'json'], ['d.ndjson', 'json'],
      ['parquet', null], ['a.parquet.tmp', null], ['a.csv.bak', null], ['notes.txt', null], ['db.sqlite3', null], ['.csv', 'csv'], ['dir.csv/file', null],
    ];
    for (const [name, format] of cases) expect(queryFileFormat(name), name).toBe(format);
  });

  it('names the table after the file, never after a snapshot it would hide', () => {
    expect(tableNameForFile('orders.parquet', [])).toBe('orders');
    expect(tableNameForFile('orders 2024.csv', [])).toBe('orders 2024');
    expect(tableNameForFile('a.b.c.json', [])).toBe('a.b.c');
    expect(tableNameForFile('orders.parquet', ['orders'])).toBe('orders_file');
    expect(tableNameForFile('Orders.parquet', ['orders'])).toBe('Orders_file');
    expect(tableNameForFile('.csv', [])).toBe('.csv');
  });
});
