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

/** DuckDB's sniffer looks at this many rows (its default sample_size). */
const SAMPLE_ROWS = 20_480;

/** Decimal text → [sign, significant digits, exponent of the last digit], or undefined. */
function decimalParts(text: string): [string, string, number] | undefined {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return undefined;
  let digits = `${match[2]}${match[3] ?? ''}`;
  let exponent = Number(match[4] ?? 0) - (match[3] ?? '').length;
  digits = digits.replace(/^0+/, '');
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exponent++;
  }
  if (digits === '') return ['', '0', 0];
  return [match[1] === '-' ? '-' : '', digits, exponent];
}

/** True when `stored` (DuckDB's text of the stored value) holds exactly what `source` says. */
function sameValue(type: string, source: string, stored: string): boolean {
  if (type === 'VARCHAR') return source === stored;
  if (type === 'BIGINT' || type === 'DOUBLE' || type.startsWith('DECIMAL')) {
    if (/^[+-]?0\d/.test(source)) return false; // a leading zero a number drops
    const a = decimalParts(source);
    const b = decimalParts(stored);
    return a !== undefined && b !== undefined && a.join() === b.join();
  }
  if (type === 'BOOLEAN') return ['true', 't'].includes(source.toLowerCase()) === (stored === 'true');
  if (type === 'DATE') {
    const [y, m, d] = source.split('-').map(Number);
    return stored === `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  }
  if (type === 'TIMESTAMP' || type === 'TIME') {
    const norm = (t: string) => {
      let s = t.replace('T', ' ');
      if (/(^| )\d\d:\d\d$/.test(s)) s += ':00';
      if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
      return s;
    };
    return norm(source) === norm(stored);
  }
  return false;
}

interface Family {
  name: string;
  /** The value most rows have, as a function of the row index. */
  usual: (i: number) => string;
  /** Values that the usual type would change. */
  odd: string[];
}

const FAMILIES: Family[] = [
  { name: 'fractions in an integer column', usual: (i) => String(i * 3), odd: ['200000.5', '-0.25', '1.5e3'] },
  { name: 'leading zeros in an integer column', usual: (i) => String(10_000 + i), odd: ['08027', '-007', '00'] },
  { name: 'integers beyond 64 bits', usual: (i) => String(i), odd: ['9223372036854775808', '-9223372036854775809', '123456789012345678901234567890'] },
  { name: 'doubles out of range or precision', usual: (i) => (i / 8).toString(), odd: ['1e400', '1e-400', '0.1234567890123456789', '12345678901234567.5', '007.5'] },
  { name: 'dates with a time, out of range, or impossible', usual: (i) => new Date(Date.UTC(2020, 0, 1) + (i % 3000) * 86_400_000).toISOString().slice(0, 10), odd: ['2024-01-01 10:00', '2024-02-30', '10000-01-01', '2024-13-01'] },
  { name: 'timestamps with an offset or nanoseconds', usual: (i) => `2021-06-01 10:00:${String(i % 60).padStart(2, '0')}`, odd: ['2024-01-01 10:00:00+02', '2024-01-01T10:00:00Z', '2024-01-01 10:00:00.1234567', '2024-01-01 10:00:00-05:00'] },
  { name: 'booleans spelled otherwise', usual: (i) => (i % 2 ? 'true' : 'false'), odd: ['yes', '1', 'n'] },
];

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

  const positions = (rows: number) => [0, 7, SAMPLE_ROWS - 1, SAMPLE_ROWS + 1, rows - 1];

  for (const family of FAMILIES) {
    it(`${family.name}: read back exactly wherever they appear`, { timeout: 120_000 }, async () => {
      const rows = SAMPLE_ROWS + 50;
      for (const odd of family.odd) {
        for (const at of positions(rows)) {
          const values = Array.from({ length: rows }, (_, i) => (i === at ? odd : family.usual(i)));
          const { plan, rows: back } = await importText(`id,v\n${values.map((v, i) => `${i},${v}`).join('\n')}\n`);
          const type = plan.columns[1]!.type;
          expect(back).toHaveLength(rows);
          const wrong = back.filter((r, i) => Number(r.rid) !== i || !sameValue(type, values[i]!, String(r.v)));
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
    const values = Array.from({ length: SAMPLE_ROWS + 10 }, (_, i) => (i === SAMPLE_ROWS + 5 ? '08027' : String(10_000 + i)));
    const { plan } = await importText(`zip\n${values.join('\n')}\n`);
    expect(plan.columns[0]!.type).toBe('VARCHAR');
    expect(plan.notes).toEqual([`Column "zip" is text, not BIGINT: row ${(SAMPLE_ROWS + 6).toLocaleString('en-US')} has "08027" has a leading zero that a number would drop.`]);
  });

  it('uses a DECIMAL when a double would round and the values are plain decimals', async () => {
    const values = Array.from({ length: SAMPLE_ROWS + 3 }, (_, i) => (i === SAMPLE_ROWS + 1 ? '12345678901234567.25' : `${i}.5`));
    const { plan, rows } = await importText(`amount\n${values.join('\n')}\n`);
    expect(plan.columns[0]!.type).toBe('DECIMAL(19,2)');
    expect(rows[SAMPLE_ROWS + 1]!.amount).toBe('12345678901234567.25');
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
