import { describe, expect, it } from 'vitest';
import { belongsToSnapshot, isValidSnapshotId, parseSnapshotFileName, planParts, restoredTableName, snapshotIdFromFileName } from './names';

describe('planParts', () => {
  const rows = (plan: ReturnType<typeof planParts>) => plan.map((p) => p.endRow - p.firstRow);

  it('writes zero rows as one (valid, empty) file', () => {
    expect(planParts('s', 0)).toEqual([{ index: 0, name: 's.parquet', firstRow: 0, endRow: 0 }]);
  });

  it('keeps 1 and exactly 250,000 rows in one file: the threshold is strict', () => {
    expect(planParts('s', 1).map((p) => p.name)).toEqual(['s.parquet']);
    expect(planParts('s', 250_000)).toEqual([{ index: 0, name: 's.parquet', firstRow: 0, endRow: 250_000 }]);
  });

  it('splits 250,001 rows into two parts, the second holding one row', () => {
    const plan = planParts('s', 250_001);
    expect(plan.map((p) => p.name)).toEqual(['s_part_0.parquet', 's_part_1.parquet']);
    expect(rows(plan)).toEqual([250_000, 1]);
    expect(plan[1]).toMatchObject({ firstRow: 250_000, endRow: 250_001 });
  });

  it('cuts 1,000,000 rows into four contiguous parts of 250,000', () => {
    const plan = planParts('s', 1_000_000);
    expect(plan.map((p) => p.name)).toEqual([0, 1, 2, 3].map((i) => `s_part_${i}.parquet`));
    expect(rows(plan)).toEqual([250_000, 250_000, 250_000, 250_000]);
    plan.slice(1).forEach((p, i) => expect(p.firstRow).toBe(plan[i].endRow));
  });

  it('honours another part size and refuses nonsense', () => {
    expect(rows(planParts('s', 10, 3))).toEqual([3, 3, 3, 1]);
    expect(() => planParts('s', -1)).toThrow(/row count/);
    expect(() => planParts('s', 1.5)).toThrow(/row count/);
    expect(() => planParts('s', 10, 0)).toThrow(/rows per part/);
  });
});

describe('snapshot names', () => {
  it('accepts conservative ids and refuses ones that could escape or collide', () => {
    for (const ok of ['orders', 'orders-2026.01', 'a', 'A_b-c.1']) expect(isValidSnapshotId(ok)).toBe(true);
    for (const bad of ['', '../x', 'a/b', '.hidden', 'a..b', 'x.', 'a b', 'é', 'a_part_3', 'x'.repeat(129)]) expect(isValidSnapshotId(bad)).toBe(false);
  });

  it('derives ids from file names with quotes, slashes, emoji and nothing usable', () => {
    const now = new Date('2026-11-26T01:02:03.456Z');
    expect(snapshotIdFromFileName('Sales 2024 (final).csv', now)).toBe('sales-2024-final-20261126t010203z');
    expect(snapshotIdFromFileName('dir/sub\\"quoted" 🚀.csv', now)).toBe('quoted-20261126t010203z');
    expect(snapshotIdFromFileName('🚀.csv', now)).toBe('snapshot-20261126t010203z');
    expect(snapshotIdFromFileName('Zoë.csv', now)).toBe('zoe-20261126t010203z');
    for (const name of ['a.csv', '"; DROP TABLE x; --.csv', '../../etc/passwd']) expect(isValidSnapshotId(snapshotIdFromFileName(name, now))).toBe(true);
  });

  it('parses every file name of the layout', () => {
    expect(parseSnapshotFileName('orders.parquet')).toEqual({ kind: 'single', snapshotId: 'orders' });
    expect(parseSnapshotFileName('orders_part_12.parquet')).toEqual({ kind: 'part', snapshotId: 'orders', index: 12 });
    expect(parseSnapshotFileName('orders.manifest.json')).toEqual({ kind: 'manifest', snapshotId: 'orders' });
    expect(parseSnapshotFileName('orders_part_1.parquet.tmp')).toEqual({ kind: 'temp', finalName: 'orders_part_1.parquet', snapshotId: 'orders' });
    expect(parseSnapshotFileName('notes.txt')).toEqual({ kind: 'other' });
  });

  it('tells which files belong to a snapshot without matching a prefix of another id', () => {
    expect(belongsToSnapshot('orders_part_0.parquet', 'orders')).toBe(true);
    expect(belongsToSnapshot('orders.manifest.json.tmp', 'orders')).toBe(true);
    expect(belongsToSnapshot('orders-2_part_0.parquet', 'orders')).toBe(false);
    expect(belongsToSnapshot('orders.parquet', 'order')).toBe(false);
  });
});

describe('restoredTableName', () => {
  /** Every valid id over a small alphabet holding each kind of character an id may have. */
  function* ids(alphabet: string, maxLength: number): Generator<string> {
    let level = [''];
    for (let length = 1; length <= maxLength; length++) {
      level = level.flatMap((prefix) => [...alphabet].map((c) => prefix + c));
      yield* level.filter(isValidSnapshotId);
    }
  }

  it('gives every snapshot id its own table, as DuckDB compares names (without case)', () => {
    const seen = new Map<string, string>();
    let count = 0;
    for (const id of ids('aAb1-._', 5)) {
      const table = restoredTableName(id).toLowerCase();
      const other = seen.get(table);
      expect(other, `${id} and ${other} both restore into ${table}`).toBeUndefined();
      seen.set(table, id);
      count += 1;
    }
    expect(count).toBeGreaterThan(5_000);
  });

  it('keeps apart ids that spell out another id\'s escaped name', () => {
    for (const id of ['a.b', 'A-b', 'x_y', 'Orders', 'v1.2']) {
      const table = restoredTableName(id);
      // The id whose plain name would be the escaped one, if plain names could start with "_".
      const lookalike = table.slice('restored_'.length).replaceAll('_', '-').replace(/^-+/, '');
      expect(restoredTableName(lookalike)).not.toBe(table);
    }
  });

  it('reads as the id for what imports name snapshots, and starts with restored_ for the rest', () => {
    expect(restoredTableName('orders-20261205t101500z')).toBe('restored_orders_20261205t101500z');
    for (const id of ['a.b', 'a_b', 'A-b', 'Sales.2024_Q1']) {
      expect(restoredTableName(id)).toMatch(new RegExp(`^restored__${id.toLowerCase().replace(/[^a-z0-9]/g, '_')}_[0-9a-f]{8}$`));
    }
    expect(restoredTableName('a.b')).toBe(restoredTableName('a.b'));
  });
});
