import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { classifyFiles } from '../src/opfs/classify';
import { FakeOpfs } from '../tests/support/fake-opfs';
import { scan as scanFake } from '../tests/support/page-functions';
import { parseManifest } from '../src/snapshot/manifest';
import { DEMO_DIR, startDemoServer, type DemoServer } from './serve-demo';

/** demo/plan.js is plain JS for the page; this is its shape. */
interface DemoPlan {
  DEMO_ROOT: string;
  PLAN: { path: string; status: string; bytes(fixtures: Record<string, Uint8Array>): Uint8Array | string }[];
  EMPTY_FOLDERS: string[];
  FIXTURES: string[];
  LOCK_PATH: string;
}

let server: DemoServer;
let plan: DemoPlan;
const fixtures: Record<string, Uint8Array> = {};

beforeAll(async () => {
  server = await startDemoServer();
  plan = (await import(pathToFileURL(join(DEMO_DIR, 'plan.js')).href)) as DemoPlan;
  for (const name of plan.FIXTURES) {
    const response = await fetch(`${server.url}/fixtures/${name}`);
    expect(response.status, name).toBe(200);
    fixtures[name] = new Uint8Array(await response.arrayBuffer());
  }
}, 60_000);

afterAll(() => server?.close());

describe('the demo server', () => {
  test('serves the page and its scripts', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('id="demo-status"');
    expect(html).toContain('id="demo-reset"');
    expect(html).toContain('src="./demo.js"');
    for (const script of ['demo.js', 'plan.js', 'lock-worker.js', 'bundle/save-snapshot.js']) {
      const response = await fetch(`${server.url}/${script}`);
      expect(response.status, script).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    }
  });

  test('serves real Parquet fixtures and manifests that match them', async () => {
    const magic = (bytes: Uint8Array, at: number): string => new TextDecoder().decode(bytes.subarray(at, at + 4));
    for (const [name, bytes] of Object.entries(fixtures).filter(([n]) => n.endsWith('.parquet'))) {
      expect(magic(bytes, 0), name).toBe('PAR1');
      expect(magic(bytes, bytes.length - 4), name).toBe('PAR1');
    }
    const orders = parseManifest(new TextDecoder().decode(fixtures['orders-20260101.manifest.json']));
    expect(orders.parts.map((p) => [p.name, p.bytes])).toEqual([0, 1, 2].map((i) => [`orders-20260101_part_${i}.parquet`, fixtures[`orders-20260101_part_${i}.parquet`].length]));
    expect(orders.rowCount).toBe(1500);
    const customers = parseManifest(new TextDecoder().decode(fixtures['customers.manifest.json']));
    expect(customers.parts).toEqual([{ name: 'customers.parquet', rows: 200, bytes: fixtures['customers.parquet'].length }]);
  });

  test('does not serve outside its folder', async () => {
    const response = await fetch(`${server.url}/..%2Fpackage.json`);
    expect([403, 404]).toContain(response.status);
  });
});

describe("the demo's data", () => {
  test.each([true, false])('gets the statuses the demo promises (manifest texts read: %s)', async (readManifests) => {
    const fake = new FakeOpfs();
    for (const entry of plan.PLAN) await fake.writeFile(entry.path, entry.bytes(fixtures));
    for (const folder of plan.EMPTY_FOLDERS) await fake.mkdir(folder);
    const scan = await scanFake(fake);
    // Without the manifests' texts (an empty map), manifests are judged by name and size only.
    const reports = classifyFiles(scan, { manifests: readManifests ? undefined : new Map() });
    expect(reports.map((r) => [r.path, r.status]).sort()).toEqual(plan.PLAN.map((e) => [e.path, e.status]).sort());
    expect(scan.directories).toEqual(expect.arrayContaining(plan.EMPTY_FOLDERS));
    expect(plan.PLAN.find((e) => e.path === plan.LOCK_PATH)?.status).toBe('empty');
  });
});
