import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createParquetWriter, customersSql, ordersSql } from '../../tests/support/parquet-fixtures';
import type { SnapshotManifest } from '../protocol';
import { serializeManifest } from '../snapshot/manifest';
import { serializeIntent } from '../snapshot/intent';
import { isValidSnapshotId } from '../snapshot/names';
import { classifyAlone, classifyFiles, groupSnapshots, judgeFolder, purgeTargetOf, summarize, type ClassifyOptions, type FileReport } from './classify';
import { FakeOpfs } from '../../tests/support/fake-opfs';
import { journalBytes, walBytes } from '../../tests/support/format-bytes';
import type { ScannedFile } from './scan-types';
import { HOSTS, scan as scanFake } from '../../tests/support/page-functions';

/** Real Parquet bytes from native DuckDB, made once per run (no binary fixtures in git). */
let customers: Uint8Array;
let orderParts: Uint8Array[];
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'classify-test-'));
  const writer = await createParquetWriter();
  try {
    customers = await writer.write(join(workDir, 'customers.parquet'), customersSql(200));
    orderParts = [];
    for (let i = 0; i < 3; i++) // DuckDB cuts row groups at multiples of 2,048 rows: 3,000 rows make two.
      orderParts.push(await writer.write(join(workDir, `orders_${i}.parquet`), ordersSql(i * 3000, 3000), { rowGroupSize: 2048 }));
  } finally {
    writer.close();
  }
}, 60_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function manifest(snapshotId: string, parts: { name: string; rows: number; bytes: number }[]): SnapshotManifest {
  return {
    formatVersion: 1,
    snapshotId,
    sourceName: `${snapshotId}.csv`,
    rowCount: parts.reduce((sum, p) => sum + p.rows, 0),
    schema: [{ name: 'order_id', type: 'BIGINT' }],
    parts,
    checksum: { algorithm: 'duckdb-hash-sum-v1', value: '123' },
    compression: 'ZSTD',
    rowGroupSize: 2048,
    rowsPerPart: 3000,
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

function ordersManifest(): SnapshotManifest {
  return manifest(
    'orders',
    orderParts.map((bytes, i) => ({ name: `orders_part_${i}.parquet`, rows: 3000, bytes: bytes.length })),
  );
}

/** Scans the fake with the real walker, reads the manifests, and classifies. */
async function classify(fake: FakeOpfs, options: Omit<ClassifyOptions, 'manifests'> & { readManifests?: boolean } = {}): Promise<Map<string, FileReport>> {
  const scan = await scanFake(fake);
  // Without the manifests' texts (an empty map), manifests are judged by name and size only.
  const manifests = options.readManifests ?? true ? undefined : new Map<string, string>();
  return new Map(classifyFiles(scan, { ...options, manifests }).map((f) => [f.path, f]));
}

describe('classifyFiles', () => {
  test('a healthy single file is ok, with its footer summary', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('exports/customers.parquet', customers);
    const report = (await classify(fake)).get('exports/customers.parquet')!;
    expect(report).toMatchObject({ status: 'ok', health: 'ok', role: 'single', snapshotId: 'customers', name: 'customers.parquet', folder: 'exports' });
    expect(report.parquet).toMatchObject({ rows: 200, rowGroups: 1 });
    expect(report.reason).toBe('valid Parquet: 200 rows in 1 row group');
  });

  test('a healthy 3-part snapshot with its manifest is ok, and groups as one snapshot', async () => {
    const fake = new FakeOpfs();
    for (let i = 0; i < 3; i++) await fake.writeFile(`snapshots/orders_part_${i}.parquet`, orderParts[i]);
    await fake.writeFile('snapshots/orders.manifest.json', serializeManifest(ordersManifest()));
    const reports = await classify(fake);
    expect([...reports.values()].map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(reports.get('snapshots/orders_part_1.parquet')!.parquet).toMatchObject({ rows: 3000, rowGroups: 2 });
    const [group] = groupSnapshots([...reports.values()]);
    expect(group).toMatchObject({ id: 'orders', folder: 'snapshots', partCount: 3, totalRows: 9000, manifestPresent: true, missingParts: [], status: 'ok' });
    expect(group.parts.map((p) => p.partIndex)).toEqual([0, 1, 2]);
    expect(group.totalBytes).toBe(orderParts.reduce((sum, p) => sum + p.length, 0));
  });

  test('a 0-byte parquet is empty', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a/products.parquet');
    await fake.writeFile('a/products_part_0.parquet');
    const reports = await classify(fake);
    expect(reports.get('a/products.parquet')).toMatchObject({ status: 'empty', reason: expect.stringMatching(/^0 bytes/) });
    expect(reports.get('a/products_part_0.parquet')!.status).toBe('empty');
  });

  test('real Parquet bytes with the tail cut off are corrupt', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a/payments.parquet', customers.slice(0, Math.floor(customers.length * 0.6)));
    expect((await classify(fake)).get('a/payments.parquet')).toMatchObject({
      status: 'corrupt',
      reason: "not valid Parquet: no 'PAR1' magic at the end (truncated?)",
    });
  });

  test('a footer length that does not fit, or points at the wrong bytes, is corrupt', async () => {
    const fake = new FakeOpfs();
    const tooLong = customers.slice();
    new DataView(tooLong.buffer).setUint32(tooLong.length - 8, tooLong.length, true);
    const zero = customers.slice();
    new DataView(zero.buffer).setUint32(zero.length - 8, 0, true);
    const shifted = customers.slice();
    const length = new DataView(shifted.buffer).getUint32(shifted.length - 8, true);
    new DataView(shifted.buffer).setUint32(shifted.length - 8, length - 7, true);
    await fake.writeFile('a/too-long.parquet', tooLong);
    await fake.writeFile('a/zero.parquet', zero);
    await fake.writeFile('a/shifted.parquet', shifted);
    const reports = await classify(fake);
    expect(reports.get('a/too-long.parquet')).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/footer length \d+ does not fit/) });
    expect(reports.get('a/zero.parquet')).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/footer length 0 does not fit/) });
    expect(reports.get('a/shifted.parquet')).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/footer metadata \([\d,]+ bytes\) is damaged/) });
  });

  test('non-Parquet bytes named .parquet are corrupt', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a/notes.parquet', 'id,note\n1,"this is CSV"\n');
    await fake.writeFile('a/tiny.parquet', 'PAR1');
    const reports = await classify(fake);
    expect(reports.get('a/notes.parquet')).toMatchObject({ status: 'corrupt', reason: "not valid Parquet: no 'PAR1' magic at the start" });
    expect(reports.get('a/tiny.parquet')).toMatchObject({ status: 'corrupt', reason: 'not valid Parquet: only 4 bytes, too short for Parquet' });
  });

  test('leftovers of interrupted writes are temp, even when empty', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a/orders_part_0.parquet.tmp', orderParts[0].slice(0, 100));
    await fake.writeFile('a/orders_part_1.parquet.tmp');
    await fake.writeFile('a/orders.manifest.json.tmp', '{');
    await fake.writeFile('a/tmp_orders.parquet', orderParts[0]);
    await fake.writeFile('a/export.csv.crswap', 'x');
    const reports = await classify(fake);
    expect([...reports.values()].map((r) => [r.name, r.status])).toEqual([
      ['export.csv.crswap', 'temp'],
      ['orders.manifest.json.tmp', 'temp'],
      ['orders_part_0.parquet.tmp', 'temp'],
      ['orders_part_1.parquet.tmp', 'temp'],
      ['tmp_orders.parquet', 'temp'],
    ]);
    expect(reports.get('a/orders_part_0.parquet.tmp')!.reason).toBe('leftover of an interrupted write: orders_part_0.parquet was never committed');
    // Temp files are not snapshot parts: they make no group.
    expect(groupSnapshots([...reports.values()])).toEqual([]);
  });

  test('missing part 1 of 3 makes the other parts incomplete', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a/inventory_part_0.parquet', orderParts[0]);
    await fake.writeFile('a/inventory_part_2.parquet', orderParts[2]);
    const reports = await classify(fake);
    expect(reports.get('a/inventory_part_0.parquet')).toMatchObject({ status: 'incomplete', reason: 'snapshot inventory is incomplete: part 1 missing (found 0, 2)' });
    expect(reports.get('a/inventory_part_2.parquet')!.status).toBe('incomplete');
    expect(groupSnapshots([...reports.values()])[0]).toMatchObject({ missingParts: [1], partCount: 2, status: 'incomplete', totalRows: 6000 });
  });

  test('in a folder that uses manifests, a snapshot without one is incomplete', async () => {
    const fake = new FakeOpfs();
    for (let i = 0; i < 3; i++) await fake.writeFile(`s/orders_part_${i}.parquet`, orderParts[i]);
    await fake.writeFile('s/orders.manifest.json', serializeManifest(ordersManifest()));
    await fake.writeFile('s/customers.parquet', customers);
    await fake.writeFile('other/customers.parquet', customers);
    const reports = await classify(fake);
    expect(reports.get('s/customers.parquet')).toMatchObject({
      status: 'incomplete',
      reason: 'no customers.manifest.json: the export did not finish (other snapshots in this folder have manifests)',
    });
    // Only the name says it is ours: flagged, but a purge of incomplete files leaves it.
    expect(reports.get('s/customers.parquet')!.keep).toMatch(/may be the app’s own/);
    expect(reports.get('s/orders_part_0.parquet')!.keep).toBeUndefined();
    // A folder without any manifest: other apps' files are not flagged for lacking ours.
    expect(reports.get('other/customers.parquet')!.status).toBe('ok');
  });

  // Another app's JSON that only shares the name's ending: each value, under several names,
  // alone with the app's Parquet file and beside one of our snapshots.
  const foreignTexts = ['{}', '{"version": 3, "files": ["a.js"]}', '{"formatVersion": 1}', '{"snapshotId": "cache"}', '[]', '[{"formatVersion": 1, "snapshotId": "x"}]', '"precache"', '42', 'null', 'true', '\uFEFF{"name": "app"}', '{"formatVersion": null, "SnapshotId": "x"}'];
  const foreignNames = ['precache.manifest.json', 'events.manifest.json', 'asset-manifest.manifest.json', 'Café ☕.manifest.json', '.manifest.json'];
  test.each(foreignNames.flatMap((name) => foreignTexts.map((text) => [name, text])))('%s holding %s is not one of our manifests: left alone, and no Parquet file is flagged for it', async (name, text) => {
    const fake = new FakeOpfs();
    await fake.writeFile(`app/${name}`, text);
    await fake.writeFile('app/events.parquet', customers);
    await fake.writeFile(`mixed/${name}`, text);
    await fake.writeFile('mixed/events.parquet', customers);
    for (let i = 0; i < 3; i++) await fake.writeFile(`mixed/orders_part_${i}.parquet`, orderParts[i]);
    await fake.writeFile('mixed/orders.manifest.json', serializeManifest(ordersManifest()));
    const reports = await classify(fake);
    for (const folder of ['app', 'mixed']) {
      expect(reports.get(`${folder}/${name}`)).toMatchObject({ status: 'ok', role: 'other', format: 'json', reason: expect.stringMatching(/not one/) });
      expect(reports.get(`${folder}/${name}`)!.snapshotId).toBeUndefined();
    }
    expect(reports.get('app/events.parquet')!.status).toBe('ok');
    // Beside a snapshot of ours it is flagged for lacking a manifest, as before, but kept out of purges.
    expect(reports.get('mixed/events.parquet')).toMatchObject({ status: 'incomplete', keep: expect.stringMatching(/app’s own/) });
    expect(reports.get('mixed/orders_part_1.parquet')!.status).toBe('ok');
  });

  // An app's own file that only shares the ending `.intent.json`, and our records of unfinished
  // work: only ours are flagged, and even ours stay out of a purge of temporary files (purged
  // alone, they would strand the parts they name).
  const intentTexts = (id: string): [string, string, 'ours' | 'foreign' | 'empty'][] => [
    ['an export record', serializeIntent({ formatVersion: 2, kind: 'export', snapshotId: id, files: [`${id}_part_0.parquet.tmp`, `${id}_part_0.parquet`], startedAt: '2026-12-06T00:00:00.000Z', exportId: 'e1' }), 'ours'],
    ['a deletion record', serializeIntent({ formatVersion: 2, kind: 'delete', snapshotId: id, files: [`${id}.manifest.json`], startedAt: '2026-12-06T00:00:00.000Z', stamps: { [`${id}.manifest.json`]: { size: 10, lastModified: 1 } } }), 'ours'],
    ['a record about another snapshot', serializeIntent({ formatVersion: 2, kind: 'export', snapshotId: `${id}x`, files: [], startedAt: '2026-12-06T00:00:00.000Z', exportId: 'e1' }), 'foreign'],
    ['an app’s JSON', '{"step": "payment", "cart": [1, 2]}', 'foreign'],
    ['JSON of another shape', '[{"formatVersion": 2, "snapshotId": "x"}]', 'foreign'],
    ['text that is not JSON', 'intent: buy', 'foreign'],
    ['nothing', '', 'empty'],
  ];
  // An id our exporter could not have made (a space, a `_part_N` ending): no record of ours, whatever it holds.
  test.each(['checkout', 'orders', 'Café ☕', 'a_part_1'].flatMap((id) => intentTexts(id).map(([what, text, kind]) => [`${id}.intent.json`, what, text, kind === 'ours' && !isValidSnapshotId(id) ? 'foreign' : kind] as const)))(
    '%s holding %s',
    async (name, _what, text, kind) => {
      const fake = new FakeOpfs();
      await fake.writeFile(`app/${name}`, text);
      await fake.writeFile('app/notes.txt', 'the app’s');
      const report = (await classify(fake)).get(`app/${name}`)!;
      if (kind === 'foreign') expect(report).toMatchObject({ status: 'ok', role: 'other', format: 'json', snapshotId: undefined, reason: expect.stringMatching(/another app’s file, left alone/) });
      else if (kind === 'empty') expect(report).toMatchObject({ status: 'empty', role: 'intent', keep: undefined });
      else expect(report).toMatchObject({ status: 'temp', role: 'intent', reason: expect.stringMatching(/^the record of an? (export|deletion) of snapshot /), keep: expect.stringMatching(/purged alone, the parts it names would stay behind/) });
    },
  );

  test('a manifest of a newer format version is ours but not judged; text that is not JSON still reads as a damaged one of ours', async () => {
    const fake = new FakeOpfs();
    for (let i = 0; i < 3; i++) await fake.writeFile(`s/orders_part_${i}.parquet`, orderParts[i]);
    await fake.writeFile('s/orders.manifest.json', serializeManifest({ ...ordersManifest(), formatVersion: 3 as 2 }));
    for (const [i, text] of ['{"formatVersion": 1, "snapshotId": "cut', '{formatVersion: 1}', 'PAR1', '\u0000\u0001'].entries()) {
      await fake.writeFile(`t${i}/x.parquet`, customers);
      await fake.writeFile(`t${i}/x.manifest.json`, text);
    }
    const reports = await classify(fake);
    expect(reports.get('s/orders.manifest.json')).toMatchObject({ status: 'ok', role: 'manifest', reason: 'a manifest of format version 3, newer than this version reads: not checked' });
    for (let i = 0; i < 3; i++) expect(reports.get(`s/orders_part_${i}.parquet`)!.status).toBe('ok');
    for (let i = 0; i < 4; i++) expect(reports.get(`t${i}/x.manifest.json`)).toMatchObject({ status: 'corrupt', role: 'manifest', reason: 'The manifest is not valid JSON.' });
  });

  test('a manifest that lists a missing part, or another size, makes the snapshot incomplete', async () => {
    const fake = new FakeOpfs();
    const m = ordersManifest();
    m.parts[2].bytes += 1;
    m.parts.push({ name: 'orders_part_3.parquet', rows: 0, bytes: 10 });
    await fake.writeFile('s/orders.manifest.json', serializeManifest(m));
    for (let i = 0; i < 3; i++) await fake.writeFile(`s/orders_part_${i}.parquet`, orderParts[i]);
    await fake.writeFile('s/orders_part_7.parquet', orderParts[0]);
    const reports = await classify(fake);
    expect(reports.get('s/orders.manifest.json')).toMatchObject({ status: 'incomplete', reason: 'orders.manifest.json lists files that are missing: orders_part_3.parquet' });
    expect(reports.get('s/orders_part_0.parquet')!.status).toBe('incomplete');
    expect(reports.get('s/orders_part_2.parquet')!.reason).toMatch(/on disk, but orders.manifest.json says/);
    expect(reports.get('s/orders_part_7.parquet')!.reason).toMatch(/^not listed in orders.manifest.json/);
  });

  test('without manifest text, a manifest with no Parquet files is incomplete and an empty one corrupt', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('s/gone.manifest.json', serializeManifest(manifest('gone', [{ name: 'gone.parquet', rows: 1, bytes: 1 }])));
    await fake.writeFile('s/blank.manifest.json');
    const reports = await classify(fake, { readManifests: false });
    expect(reports.get('s/gone.manifest.json')).toMatchObject({ status: 'incomplete', reason: 'no Parquet files of snapshot gone exist' });
    expect(reports.get('s/blank.manifest.json')).toMatchObject({ status: 'corrupt', reason: 'the manifest is empty (0 bytes)' });
  });

  test('an unreadable manifest, or one naming another snapshot, is corrupt', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('s/customers.parquet', customers);
    await fake.writeFile('s/customers.manifest.json', '{"formatVersion": 1');
    await fake.writeFile('t/customers.parquet', customers);
    await fake.writeFile('t/customers.manifest.json', serializeManifest(manifest('orders', [{ name: 'customers.parquet', rows: 200, bytes: customers.length }])));
    const reports = await classify(fake);
    expect(reports.get('s/customers.manifest.json')).toMatchObject({ status: 'corrupt', reason: 'The manifest is not valid JSON.' });
    expect(reports.get('t/customers.manifest.json')).toMatchObject({ status: 'corrupt', reason: 'the manifest describes snapshot "orders", not "customers"' });
    expect(groupSnapshots([...reports.values()]).map((g) => g.status)).toEqual(['corrupt', 'corrupt']);
  });

  test('locked and in-use files are locked, keeping their health', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a/returns.parquet');
    await fake.writeFile('a/customers.parquet', customers);
    await fake.writeFile('snapshots/x_part_0.parquet.tmp', orderParts[0]);
    const reports = await classify(fake, { lockedPaths: new Set(['a/returns.parquet']), inUsePaths: new Set(['snapshots/x_part_0.parquet.tmp']) });
    expect(reports.get('a/returns.parquet')).toMatchObject({ status: 'locked', health: 'empty', reason: expect.stringMatching(/^locked: an open handle holds it.*\(empty: 0 bytes/) });
    expect(reports.get('snapshots/x_part_0.parquet.tmp')).toMatchObject({ status: 'locked', health: 'temp', reason: expect.stringMatching(/^in use by a running export/) });
    expect(reports.get('a/customers.parquet')!.status).toBe('ok');
  });

  test('a footer above the limit is not read, and the file is judged by its magic', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a/customers.parquet', customers);
    const scan = await scanFake(fake, undefined, { check: { footerBytesLimit: 16 } });
    const [report] = classifyFiles(scan);
    expect(report).toMatchObject({ status: 'ok', reason: expect.stringMatching(/^Parquet magic present; footer not read: it is .* above the limit$/) });
    expect(report.parquet).toBeUndefined();
  });

  test('files that are not snapshot files are ok', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('notes.txt', '');
    await fake.writeFile('data.csv', 'a,b');
    const reports = await classify(fake);
    expect([...reports.values()].map((r) => [r.name, r.role, r.status, r.format])).toEqual([
      ['data.csv', 'other', 'ok', 'csv'],
      ['notes.txt', 'other', 'ok', 'other'],
    ]);
  });
});

describe('a listing that may not hold every file of a folder', () => {
  /** In folders s and t alike, each verdict that rests on a file's absence, and one that does not. */
  async function scanOfAbsences() {
    const fake = new FakeOpfs();
    for (const folder of ['s', 't']) {
      await fake.writeFile(`${folder}/inventory_part_0.parquet`, orderParts[0]); // part 1 missing
      await fake.writeFile(`${folder}/inventory_part_2.parquet`, orderParts[2]);
      await fake.writeFile(`${folder}/orders.manifest.json`, serializeManifest(ordersManifest())); // part 2 missing
      for (let i = 0; i < 2; i++) await fake.writeFile(`${folder}/orders_part_${i}.parquet`, orderParts[i]);
      await fake.writeFile(`${folder}/gone.manifest.json`, serializeManifest(manifest('gone', [{ name: 'gone.parquet', rows: 1, bytes: 1 }])));
      await fake.writeFile(`${folder}/customers.parquet`, customers); // no manifest, beside ones that have
      await fake.writeFile(`${folder}/app.db-wal`, walBytes(4096, 2)); // its database is not listed
      await fake.writeFile(`${folder}/notes.txt`, 'a file of the app'); // ok: nothing rests on an absence
    }
    return scanFake(fake);
  }
  const absences = ['inventory_part_0.parquet', 'inventory_part_2.parquet', 'orders.manifest.json', 'orders_part_0.parquet', 'orders_part_1.parquet', 'gone.manifest.json', 'customers.parquet', 'app.db-wal'];

  test.each([
    ['the walk stopped at its limit', { truncated: true }, ['s', 't']],
    ['folder s failed partway', { errors: [{ path: 's' }] }, ['s']],
    ['an entry of s was left out', { errors: [{ path: 's/odd name' }] }, ['s']],
    ['a folder inside s failed', { errors: [{ path: 's/deeper' }] }, ['s']],
    ['another folder failed', { errors: [{ path: 'u' }] }, []],
  ] as const)('%s: the same verdicts, and those of folders maybe listed in part are kept out of purges', async (_what, listed, inPart) => {
    const scan = await scanOfAbsences();
    const whole = new Map(classifyFiles({ files: scan.files }).map((f) => [f.path, f]));
    const reports = new Map(classifyFiles({ files: scan.files, ...listed }).map((f) => [f.path, f]));
    for (const folder of ['s', 't']) {
      for (const name of absences) {
        const path = `${folder}/${name}`;
        expect(reports.get(path)!.status, path).toBe(whole.get(path)!.status);
        expect(['incomplete', 'orphan'], path).toContain(reports.get(path)!.status);
        if ((inPart as readonly string[]).includes(folder)) expect(reports.get(path)!.keep, path).toMatch(/^the listing may not hold every file of this folder/);
        else expect(reports.get(path)!.keep, path).toBe(whole.get(path)!.keep);
      }
      expect(reports.get(`${folder}/notes.txt`)).toMatchObject({ status: 'ok', keep: undefined });
    }
    expect(whole.get('s/inventory_part_0.parquet')!.keep).toBeUndefined();
  });
});

/**
 * A verdict that rests on other files (a part missing, the manifest that says so, a
 * database a log lacks) may stop holding between the listing and the purge the user
 * confirms: the app writes the missing part, finishes its manifest, creates its database.
 * The purge then keeps the file, whichever file changed, in whichever folder.
 */
describe('a purge of what rested on other files, after those files changed', () => {
  type Files = Record<string, Uint8Array | string>;
  interface Case {
    what: string;
    /** The status purged. */
    status: 'incomplete' | 'orphan';
    /** The folder's files as listed, and what the app writes between the listing and the purge (then no purged file's verdict holds). Made when the test runs: the Parquet bytes are made in `beforeAll`. */
    make(): { files: Files; change: Files };
  }
  const padded = (i: number) => String(i).padStart(3, '0');
  const cases = (): Case[] => {
    const out: Case[] = [];
    // Four parts, each set of them missing (but none and all): the app writes the missing ones.
    for (let mask = 1; mask < 15; mask++) {
      const present = [0, 1, 2, 3].filter((i) => (mask & (1 << i)) !== 0);
      const missing = [0, 1, 2, 3].filter((i) => !present.includes(i));
      if (present.length < 2 && Math.max(...present) === 0) continue; // a lone part 0 is complete as far as anyone can tell
      for (const name of [(i: number) => `inv_part_${i}.parquet`, (i: number) => `inv_part_${padded(i)}.parquet`]) {
        if (missing.every((i) => i > Math.max(...present))) continue; // no gap: nothing to purge
        const parts = (indexes: number[]) => Object.fromEntries(indexes.map((i) => [name(i), orderParts[i % 3]]));
        out.push({ what: `parts ${present.join(', ')} of ${name(0)}`, status: 'incomplete', make: () => ({ files: parts(present), change: parts(missing.filter((i) => i < Math.max(...present))) }) });
      }
    }
    // A manifest that lists a part that is missing: the part written; or the manifest rewritten without it.
    const three = () => Object.fromEntries(orderParts.map((bytes, i) => [`orders_part_${i}.parquet`, bytes]));
    const withMissing = () => serializeManifest(manifest('orders', [...ordersManifest().parts, { name: 'orders_part_3.parquet', rows: 3000, bytes: orderParts[0].length }]));
    out.push({ what: 'a manifest listing a missing part, the part then written', status: 'incomplete', make: () => ({ files: { ...three(), 'orders.manifest.json': withMissing() }, change: { 'orders_part_3.parquet': orderParts[0] } }) });
    out.push({ what: 'a manifest listing a missing part, the manifest then rewritten', status: 'incomplete', make: () => ({ files: { ...three(), 'orders.manifest.json': withMissing() }, change: { 'orders.manifest.json': serializeManifest(ordersManifest()) } }) });
    // A part at another size than its manifest says: the app's export then finishes its manifest.
    const grown = () => serializeManifest(manifest('orders', ordersManifest().parts.map((part, i) => (i === 1 ? { ...part, bytes: part.bytes + 1 } : part))));
    out.push({ what: 'a part at another size than its manifest says, the manifest then rewritten', status: 'incomplete', make: () => ({ files: { ...three(), 'orders.manifest.json': grown() }, change: { 'orders.manifest.json': serializeManifest(ordersManifest()) } }) });
    // Logs without their database, of each kind: the database then created.
    for (const [log, db] of [['app.db-wal', 'app.db'], ['app.sqlite3-journal', 'app.sqlite3'], ['data.duckdb.wal', 'data.duckdb']] as const) {
      const bytes = () => (log.endsWith('-wal') ? walBytes(4096, 2) : log.endsWith('-journal') ? journalBytes(true) : new Uint8Array(600).fill(7));
      out.push({ what: `${log} without ${db}, which is then created`, status: 'orphan', make: () => ({ files: { [log]: bytes() }, change: { [db]: 'the database, just created' } }) });
    }
    return out;
  };

  test.each(HOSTS.flatMap(([host, driver]) => ['', 'app/nested'].flatMap((folder) => cases().map((c) => [host, driver, folder, c] as const))))(
    '%s, in folder "%s": %s',
    async (_host, driver, folder, { status, make }) => {
      const { files, change } = make();
      const at = (name: string) => (folder ? `${folder}/${name}` : name);
      const fill = async (fake: FakeOpfs, what: Record<string, Uint8Array | string>, time: number) => {
        for (const [name, content] of Object.entries(what)) await fake.writeFile(at(name), content, { lastModified: time });
      };
      // The same storage twice: left alone, the purge removes what was flagged; changed, it keeps all of it.
      for (const changed of [false, true]) {
        const fake = new FakeOpfs();
        await fill(fake, files, 1_000);
        const flagged = classifyFiles(await scanFake(fake)).filter((report) => report.status === status && report.keep === undefined);
        expect(flagged.length, 'something to purge').toBeGreaterThan(0);
        if (changed) await fill(fake, change, 2_000);
        const before = fake.listPaths();
        const { results } = await driver.purge(fake, flagged.map(purgeTargetOf));
        if (changed) {
          expect(results.map((r) => r.outcome)).toEqual(flagged.map(() => 'changed'));
          expect(fake.listPaths()).toEqual(before);
        } else {
          expect(results.map((r) => r.outcome)).toEqual(flagged.map(() => 'removed'));
          expect(fake.listPaths().filter((path) => !path.endsWith('/'))).toEqual(before.filter((path) => !path.endsWith('/') && !flagged.some((f) => f.path === path)));
        }
      }
    },
  );

  test('a part written under another name (a temporary one, another snapshot\'s) changes nothing: the snapshot is still incomplete, and purged', async () => {
    const fake = new FakeOpfs();
    for (const i of [0, 2]) await fake.writeFile(`a/inv_part_${i}.parquet`, orderParts[i]);
    const flagged = classifyFiles(await scanFake(fake)).filter((report) => report.status === 'incomplete');
    for (const name of ['inv_part_1.parquet.tmp', 'other_part_1.parquet', 'inv_part_01x.parquet', 'inv_part_11.parquet']) await fake.writeFile(`a/${name}`, orderParts[1]);
    const { results } = await HOSTS[0][1].purge(fake, flagged.map(purgeTargetOf));
    expect(results.map((r) => [r.path, r.outcome])).toEqual([['a/inv_part_0.parquet', 'removed'], ['a/inv_part_2.parquet', 'removed']]);
  });

  test.each([
    ['not an object', [null]],
    ['a size that is not a byte count', [{ path: 'a/x', size: 'none' }]],
    ['a path that climbs', [{ path: '../x', size: null }]],
    ['an empty segment', [{ path: 'a//x', size: null }]],
    ['a folder where a file was missing', [{ path: 'a/sub', size: null }]],
    ['more than a purge checks', Array.from({ length: 65 }, (_, i) => ({ path: `a/gone${i}`, size: null }))],
  ])('premises the page function cannot take as they are (%s) keep the file', async (_what, premises) => {
    const fake = new FakeOpfs();
    await fake.writeFile('a/f.parquet', 'x', { lastModified: 5 });
    await fake.mkdir('a/sub');
    const { results } = await HOSTS[0][1].purge(fake, [{ path: 'a/f.parquet', size: 1, lastModified: 5, premises: premises as never }]);
    expect(results.map((r) => r.outcome)).toEqual(['changed']);
    expect(fake.exists('a/f.parquet')).toBe(true);
  });
});

describe('summarize', () => {
  const file = (status: FileReport['status'], size = 10): FileReport => ({
    path: `${status}-${Math.random()}`,
    name: 'x',
    folder: '',
    size,
    lastModified: 0,
    status,
    health: status === 'locked' ? 'ok' : status,
    reason: '',
    role: 'other',
    format: 'other',
    inUse: false,
  });
  const many = (status: FileReport['status'], n: number, size?: number): FileReport[] => Array.from({ length: n }, () => file(status, size));

  test('counts problems and says which need attention', () => {
    const files = [...many('empty', 74, 0), ...many('corrupt', 2), ...many('temp', 3), ...many('ok', 41, 1000)];
    const summary = summarize(files);
    expect(summary.sentence).toBe('74 empty files, 2 corrupt, 3 temporary — 79 of 120 files need attention');
    expect(summary).toMatchObject({ totalFiles: 120, needAttention: 79, needAttentionBytes: 50, totalBytes: 41_050 });
    expect(summary.counts).toEqual({ pending: 0, ok: 41, empty: 74, corrupt: 2, temp: 3, orphan: 0, incomplete: 0, locked: 0 });
  });

  test.each<[FileReport[], string]>([
    [many('ok', 120), 'All 120 files look healthy'],
    [many('ok', 1), 'The only file looks healthy'],
    [[], 'No files'],
    [[...many('corrupt', 1), ...many('ok', 9)], '1 corrupt file — 1 of 10 files needs attention'],
    [[...many('temp', 2), ...many('incomplete', 1), ...many('locked', 1)], '2 temporary files, 1 incomplete — 3 of 4 files need attention; 1 locked (in use)'],
    [[...many('locked', 2), ...many('ok', 3)], '2 locked (in use); the other 3 files look healthy'],
    [[...many('orphan', 2), ...many('empty', 1), ...many('ok', 3)], '1 empty file, 2 orphaned logs — 3 of 6 files need attention'],
  ])('%#: %s', (files, sentence) => {
    expect(summarize(files).sentence).toBe(sentence);
  });
});

describe('hostile or huge inputs', () => {
  const scanned = (path: string, size: number, extra: Partial<ScannedFile> = {}): ScannedFile => {
    const cut = path.lastIndexOf('/');
    return { path, name: path.slice(cut + 1), folder: cut < 0 ? '' : path.slice(0, cut), size, lastModified: 0, ...extra };
  };

  test('a Parquet file whose bytes the page would not give is not flagged (so never offered for purging)', () => {
    const [part, temp] = classifyFiles({
      files: [scanned('s/x_part_0.parquet', 500, { probeError: 'RangeError: asked for 4 bytes, got 1000' }), scanned('s/y.parquet.tmp', 500, { probeError: 'TypeError: no' })],
    });
    expect(part).toMatchObject({ status: 'ok', health: 'ok', role: 'part', partIndex: 0, reason: 'contents not checked: reading its bytes failed (RangeError: asked for 4 bytes, got 1000)' });
    expect(temp).toMatchObject({ status: 'temp' });
  });

  test('names that look like markup stay plain strings', () => {
    const [report] = classifyFiles({ files: [scanned('<b>x</b>&amp;/<img src=x onerror=alert(1)>.parquet', 0)] });
    expect(report).toMatchObject({ name: '<img src=x onerror=alert(1)>.parquet', folder: '<b>x</b>&amp;', status: 'empty', snapshotId: '<img src=x onerror=alert(1)>' });
  });

  test('100,000 files: every report has the same keys, and the sentence groups digits', () => {
    const files = Array.from({ length: 100_000 }, (_, i) => scanned(`d${i % 100}/f${i}.dat`, i % 3, i % 3 ? { head: { head: new Uint8Array(i % 3), at4096: null, at8192: null } } : {}));
    files[7] = scanned('d7/f7.parquet', 0);
    const reports = classifyFiles({ files });
    expect(new Set(reports.map((r) => Object.keys(r).join())).size).toBe(1);
    expect(summarize(reports).sentence).toBe('1 empty file — 1 of 100,000 files needs attention');
    expect(summarize(reports.filter((r) => r.status === 'ok')).sentence).toBe('All 99,999 files look healthy');
  });
});

describe('a listing that grows: pending files, folders judged when complete', () => {
  const scanned = (path: string, size: number, extra: Partial<ScannedFile> = {}): ScannedFile => {
    const cut = path.lastIndexOf('/');
    return { path, name: path.slice(cut + 1), folder: cut < 0 ? '' : path.slice(0, cut), size, lastModified: 0, ...extra };
  };

  test('a file whose verdict needs its bytes is pending until checked; what its size says is known at once', () => {
    const reports = classifyFiles({ files: [scanned('s/a.parquet', 0), scanned('s/b.parquet', 900), scanned('s/c.manifest.json', 300), scanned('s/d.txt', 5), scanned('s/e.parquet.tmp', 40)] });
    expect(reports.map((r) => [r.name, r.status])).toEqual([
      ['a.parquet', 'empty'],
      ['b.parquet', 'pending'],
      ['c.manifest.json', 'pending'],
      ['d.txt', 'pending'],
      ['e.parquet.tmp', 'temp'],
    ]);
    expect(summarize(reports).sentence).toBe('1 empty file, 1 temporary — 2 of 5 files need attention (3 not checked yet)');
  });

  test('judgeFolder leaves the reports it does not change as they are, and copies the ones it does', () => {
    const alone = [scanned('s/x_part_0.parquet', 5, { probeError: 'x' }), scanned('s/x_part_2.parquet', 5, { probeError: 'x' }), scanned('s/y.txt', 1, { probeError: 'x' })].map((f) => classifyAlone(f));
    const judged = judgeFolder(alone);
    expect(judged.map((r) => r.status)).toEqual(['incomplete', 'incomplete', 'ok']);
    expect(judged[2]).toBe(alone[2]);
    expect(alone.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });
});
