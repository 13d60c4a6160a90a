import { describe, expect, it } from 'vitest';
import { databaseSchemaFor, queryFileFormat, tableNameForFile, tableStem } from './query-files';

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

  it('copies a database file named after one of DuckDB\'s own schemas into a schema of its own, in any case', () => {
    for (const own of ['main', 'temp', 'information_schema', 'pg_catalog']) {
      for (const stem of [own, own.toUpperCase(), own[0].toUpperCase() + own.slice(1)]) {
        for (const extension of ['.duckdb', '.db', '.ddb']) expect(databaseSchemaFor(tableStem(`${stem}${extension}`)), stem).toBe(`${stem}_db`);
      }
    }
    for (const stem of ['app', 'mainly', 'main_db', 'temporary', 'my main', 'ünï']) expect(databaseSchemaFor(stem)).toBe(stem);
  });
});
