/**
 * The CSV import keeps every value exactly, run against the extension's own DuckDB-WASM
 * build (in Node). Inputs are generated: each class of value that DuckDB's sample-based
 * typing would change (fractions in integer columns, leading zeros, overflow, values out
 * of a double's range or precision, dates with times, timestamps with offsets, booleans
 * spelled as words) is put at several positions — the first row, inside the sniffer's
 * sample, just past it, and the last row — and every cell read back is compared with the
 * text of the file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmDuckDB, type WasmDuckDB } from '../../tests/support/duckdb-wasm-node';
import { freeColumnName, importCsvTable } from './csv-sql';
import { chooseExactType, parseInexactError } from './csv-types';
import { LATE_VALUE_FAMILIES as FAMILIES, SNIFFER_SAMPLE_ROWS, sameValue } from '../../tests/support/exact-values';

describe('CSV import keeps every value exactly (DuckDB-WASM 1.32, as shipped)', () => {
  let duck: WasmDuckDB;
  let n = 0;
  beforeAll(async () => {
    duck = await wasmDuckDB();
  });

  async function importText(csv: string, header = true) {
    const name = `f${(n += 1)}.csv`;
    duck.registerFile(name, csv);
    const plan = await importCsvTable(duck, name, `t${n}`, { delimiter: ',', header });
    const table = `t${n}`;
    const cols = plan.columns.map((c) => `"${c.name.replaceAll('"', '""')}"::VARCHAR AS "${c.name.replaceAll('"', '""')}"`).join(', ');
    const rows = await duck.rows(`SELECT "${plan.rowIdColumn}" AS rid, ${cols} FROM ${table} ORDER BY "${plan.rowIdColumn}"`);
    duck.dropFile(name);
    return { plan, rows };
  }

  const positions = (rows: number) => [0, 7, SNIFFER_SAMPLE_ROWS - 1, SNIFFER_SAMPLE_ROWS + 1, rows - 1];

  for (const family of FAMILIES) {
    it(`${family.name}: read back exactly wherever they appear`, { timeout: 120_000 }, async () => {
      const rows = SNIFFER_SAMPLE_ROWS + 50;
      for (const odd of family.odd) {
        for (const at of positions(rows)) {
          const values = Array.from({ length: rows }, (_, i) => (i === at ? odd : family.usual(i)));
          const { plan, rows: back } = await importText(`id,v\n${values.map((v, i) => `${i},${v}`).join('\n')}\n`);
          const type = plan.columns[1].type;
          expect(back).toHaveLength(rows);
          const wrong = back.filter((r, i) => Number(r.rid) !== i || !sameValue(type, values[i], String(r.v)));
          expect(wrong.slice(0, 3), `${odd} at row ${at} typed ${type}`).toEqual([]);
        }
      }
    });
  }

  it('keeps the usual type when every value fits it exactly', async () => {
    const { plan } = await importText('a,b,c,d,e,f\n1,1.5,2024-01-01,2024-01-01 10:00:00.5,true,x\n-3,2e10,2024-12-31,2024-01-01T11:00,F,\n');
    expect(plan.columns.map((c) => c.type)).toEqual(['BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'BOOLEAN', 'VARCHAR']);
    expect(plan.notes).toEqual([]);
  });

  it('says why a column became text, naming the row and the value', async () => {
    const values = Array.from({ length: SNIFFER_SAMPLE_ROWS + 10 }, (_, i) => (i === SNIFFER_SAMPLE_ROWS + 5 ? '08027' : String(10_000 + i)));
    const { plan } = await importText(`zip\n${values.join('\n')}\n`);
    expect(plan.columns[0].type).toBe('VARCHAR');
    expect(plan.notes).toEqual([`Column "zip" is text, not BIGINT: row ${(SNIFFER_SAMPLE_ROWS + 6).toLocaleString('en-US')} has "08027" has a leading zero that a number would drop.`]);
  });

  it('uses a DECIMAL when a double would round and the values are plain decimals', async () => {
    const values = Array.from({ length: SNIFFER_SAMPLE_ROWS + 3 }, (_, i) => (i === SNIFFER_SAMPLE_ROWS + 1 ? '12345678901234567.25' : `${i}.5`));
    const { plan, rows } = await importText(`amount\n${values.join('\n')}\n`);
    expect(plan.columns[0].type).toBe('DECIMAL(19,2)');
    expect(rows[SNIFFER_SAMPLE_ROWS + 1].amount).toBe('12345678901234567.25');
  });

  it('takes any column name, including every name the engine uses itself', async () => {
    const names = ['rowid', 'RowID', '__row_id', '__ROW_ID_1', 't', 'select', 'from', 'count', '__opfs_inspector_n', 'v0', 'x0'];
    const header = names.map((name) => `"${name}"`).join(',');
    const { plan, rows } = await importText(`${header}\n${names.map((_, i) => String(i)).join(',')}\n`);
    expect(plan.rowIdColumn).not.toMatch(/^__row_id$/i);
    expect(plan.columns).toHaveLength(names.length);
    expect(rows).toHaveLength(1);
  });

  it('flags a header row that looks like data, and reads it as data when told', async () => {
    const csv = '1,2024-01-01,alpha\n2,2024-01-02,beta\n';
    const withHeader = await importText(csv);
    expect(withHeader.plan.headerLooksLikeData).toBe(true);
    expect(withHeader.rows).toHaveLength(1);
    const asData = await importText(csv, false);
    expect(asData.rows).toHaveLength(2);
    expect(asData.plan.headerLooksLikeData).toBe(false);
    expect((await importText('id,day,label\n1,2024-01-01,alpha\n')).plan.headerLooksLikeData).toBe(false);
  });
});

describe('freeColumnName', () => {
  it('avoids every taken name, as DuckDB compares them (case-insensitively)', () => {
    expect(freeColumnName(['a', 'b'], '__row_id')).toBe('__row_id');
    expect(freeColumnName(['__ROW_ID'], '__row_id')).toBe('__row_id_1');
    expect(freeColumnName(['__row_id', '__Row_Id_1'], '__row_id')).toBe('__row_id_2');
  });
});

describe('chooseExactType', () => {
  it('takes the narrowest type every value fits, and text when none does', () => {
    expect(chooseExactType({ mask: 127, intDigits: null, scale: null, values: 0 })).toBe('VARCHAR');
    expect(chooseExactType({ mask: 2 | 4 | 8, intDigits: 3, scale: 0, values: 5 })).toBe('BIGINT');
    expect(chooseExactType({ mask: 4 | 8, intDigits: 3, scale: 2, values: 5 })).toBe('DOUBLE');
    expect(chooseExactType({ mask: 8, intDigits: 30, scale: 8, values: 5 })).toBe('DECIMAL(38,8)');
    expect(chooseExactType({ mask: 8, intDigits: 31, scale: 8, values: 5 })).toBe('VARCHAR');
    expect(chooseExactType({ mask: 16 | 32, intDigits: null, scale: null, values: 5 })).toBe('DATE');
    expect(chooseExactType({ mask: 0, intDigits: null, scale: null, values: 5 })).toBe('VARCHAR');
  });

  it('reads our inexact-value error and nothing else', () => {
    expect(parseInexactError('Invalid Input Error: opfs-inspector-inexact:2:20481:08027')).toEqual({ column: 2, row: 20481, value: '08027' });
    expect(parseInexactError('Conversion Error: Could not convert')).toBeUndefined();
  });
});
