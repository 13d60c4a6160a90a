/**
 * The core promise, at the engine, in a real Chromium with the built extension: a snapshot
 * that says it verified holds exactly the source data, verification works at any size,
 * and nothing is deleted that the user did not confirm. Each case generates its family of
 * inputs (other positions, names, encodings, damage) rather than one example.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { parquetMetadata } from 'hyparquet';
import { decodedBytes } from '../../src/parquet/footer';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { serveStatic, type StaticServer } from '../support/static-server';
import { writeMixedCsv } from '../support/sample-csv';
import { damageZstdFrame } from '../support/parquet-damage';
import { lit, nativeDuckDB, rows } from '../support/native-duckdb';
import { call, listOpfs, openExtensionPage, readOpfsFile, removeOpfsFile, sendRaw, stageFromUrl, writeOpfsBytes, writeOpfsText } from '../support/extension-page';
import { LATE_VALUE_FAMILIES, SNIFFER_SAMPLE_ROWS, sameValue } from '../support/exact-values';
import type { SnapshotManifest } from '../../src/protocol';

describe('the core promise, at the engine', () => {
  let chromium: LaunchedBrowser;
  let page: Page;
  let server: StaticServer;
  let native: Awaited<ReturnType<typeof nativeDuckDB>>;
  const work = mkdtempSync(join(tmpdir(), 'opfs-core-engine-'));
  let counter = 0;

  beforeAll(async () => {
    server = await serveStatic(work);
    native = await nativeDuckDB();
    chromium = await launchWithExtension();
    page = await openExtensionPage(chromium.browser, chromium.extensionId);
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    native?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Writes `content` to the served folder and imports it as the panel does; answers the raw reply. */
  async function importFile(content: string | Uint8Array, options: { header?: boolean; snapshotId?: string; rowsPerPart?: number } = {}) {
    const name = `input-${(counter += 1)}.csv`;
    writeFileSync(join(work, name), content);
    await stageFromUrl(page, `${server.url}/${name}`, `staging/${name}`);
    return sendRaw(page, 'importCsv', {
      stagedPath: `staging/${name}`,
      snapshotId: options.snapshotId ?? `case-${counter}`,
      sourceName: name,
      header: options.header,
      options: options.rowsPerPart ? { rowsPerPart: options.rowsPerPart } : undefined,
    });
  }

  async function importOk(content: string | Uint8Array, options: Parameters<typeof importFile>[1] = {}) {
    const reply = await importFile(content, options);
    if (!reply.ok) throw new Error(`import failed: ${reply.error.message}`);
    return reply.value;
  }

  /** The snapshot's parts copied out and read by native DuckDB (an independent reader), as text, in file order. */
  async function readBackNatively(manifest: SnapshotManifest): Promise<Record<string, unknown>[]> {
    const paths: string[] = [];
    for (const part of manifest.parts) {
      const path = join(work, part.name);
      writeFileSync(path, await readOpfsFile(page, `snapshots/${part.name}`));
      paths.push(path);
    }
    const columns = manifest.schema.map((c) => `"${c.name.replaceAll('"', '""')}"::VARCHAR AS "${c.name.replaceAll('"', '""')}"`).join(', ');
    return rows(native.conn, `SELECT ${columns} FROM read_parquet([${paths.map(lit).join(', ')}], filename = true, file_row_number = true) ORDER BY list_position([${paths.map(lit).join(', ')}], filename), file_row_number`);
  }

  /** Nothing partial in the extension's storage: no temp file or intent, every file of a committed snapshot, no staged copy. */
  async function expectNothingPartial(): Promise<void> {
    const files = (await listOpfs(page, 'snapshots')).map((f) => f.name);
    expect(files.filter((n) => n.endsWith('.tmp') || n.endsWith('.intent.json'))).toEqual([]);
    const committed = new Set(files.filter((n) => n.endsWith('.manifest.json')).map((n) => n.slice(0, -'.manifest.json'.length)));
    for (const name of files) expect(committed.has(name.replace(/(_part_\d+)?\.parquet$|\.manifest\.json$/, '')), name).toBe(true);
    expect(await listOpfs(page, 'staging')).toEqual([]);
  }

  it('keeps every value of every class that DuckDB typing used to change, anywhere in the file, down to the Parquet bytes', async () => {
    const rowCount = SNIFFER_SAMPLE_ROWS + 200;
    // One column per family; its odd values sit just past the sniffer's sample, in the middle
    // of the tail, and in the very last row of the file.
    const positions = [SNIFFER_SAMPLE_ROWS + 1, SNIFFER_SAMPLE_ROWS + 117, rowCount - 1];
    const columns = LATE_VALUE_FAMILIES.map((family) => {
      const values = Array.from({ length: rowCount }, (_, i) => family.usual(i));
      family.odd.forEach((odd, k) => (values[positions[k % positions.length] - (k >= positions.length ? 3 : 0)] = odd));
      return values;
    });
    const header = ['id', ...LATE_VALUE_FAMILIES.map((_, i) => `c${i}`)].join(',');
    const lines = Array.from({ length: rowCount }, (_, r) => [String(r), ...columns.map((values) => values[r])].join(','));
    const result = await importOk(`${header}\n${lines.join('\n')}\n`, { rowsPerPart: 7_000 });
    const { manifest } = result.export;
    expect(manifest.parts.length).toBe(Math.ceil(rowCount / 7_000));
    const back = await readBackNatively(manifest);
    expect(back).toHaveLength(rowCount);
    const types = new Map(manifest.schema.map((c) => [c.name, c.type]));
    const wrong: string[] = [];
    columns.forEach((values, i) => {
      const type = types.get(`c${i}`)!;
      values.forEach((value, r) => {
        if (!sameValue(type, value, String(back[r][`c${i}`]))) wrong.push(`${LATE_VALUE_FAMILIES[i].name}: row ${r} ${value} came back ${String(back[r][`c${i}`])} as ${type}`);
      });
    });
    expect(wrong.slice(0, 5)).toEqual([]);
    // The import says which columns it kept wider than the sniffer wanted, and why.
    expect(result.load.notes.length).toBeGreaterThanOrEqual(LATE_VALUE_FAMILIES.length - 1);
    expect((await call(page, 'verifySnapshot', { snapshotId: manifest.snapshotId })).ok).toBe(true);
    // Restored (the first row group makes the table, the others go straight into it): the
    // same types, and every value again, in file order.
    const restored = await call(page, 'restoreSnapshot', { snapshotId: manifest.snapshotId, table: 'every_value_back' });
    expect(restored).toMatchObject({ matchesManifest: true, rowCount });
    const described = (await call(page, 'queryRows', { sql: 'DESCRIBE every_value_back', limit: 1000 })).rows.map((r) => `${String(r[0])} ${String(r[1])}`);
    expect(described).toEqual([`${restored.rowIdColumn} BIGINT`, ...manifest.schema.map((c) => `${c.name} ${c.type}`)]);
    const asText = manifest.schema.map((c) => `"${c.name}"::VARCHAR`).join(', ');
    const restoredRows = (await call(page, 'queryRows', { sql: `SELECT ${asText} FROM every_value_back ORDER BY "${restored.rowIdColumn}"`, limit: rowCount })).rows;
    expect(restoredRows).toHaveLength(rowCount);
    columns.forEach((values, i) => {
      const type = types.get(`c${i}`)!;
      values.forEach((value, r) => {
        if (!sameValue(type, value, String(restoredRows[r][i + 1]))) wrong.push(`restored ${LATE_VALUE_FAMILIES[i].name}: row ${r} ${value} came back ${String(restoredRows[r][i + 1])} as ${type}`);
      });
    });
    expect(wrong.slice(0, 5)).toEqual([]);
    await call(page, 'dropTable', { table: 'every_value_back' });
    await expectNothingPartial();
  });

  it('takes column names that collide with anything the engine relies on, and still verifies and restores in order', async () => {
    const keywords = (await call(page, 'queryRows', { sql: "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved' ORDER BY 1", limit: 500 })).rows.map((r) => String(r[0]));
    expect(keywords.length).toBeGreaterThan(50);
    const engineNames = ['rowid', '__row_id', '__row_id_1', 't', 'n', 'checksum', 'v0', 'x0', '__opfs_inspector_n', '__import_x', '__part_x', '__restore_x'];
    for (const [label, names, value] of [
      ['rowid with shuffled integers', ['rowid', 'v'], (r: number) => [String((r * 7919) % 5000), `v${r}`]],
      ['RowID with text', ['RowID', 'value'], (r: number) => [`r-${r}`, String(r)]],
      ['every name the engine uses', engineNames, (r: number) => engineNames.map((_, i) => String(r * 10 + i))],
      ['every reserved word of DuckDB', keywords, (r: number) => keywords.map((_, i) => String(r + i))],
    ] as const) {
      const rowCount = 5000;
      const csv = `${names.map((n) => `"${n}"`).join(',')}\n${Array.from({ length: rowCount }, (_, r) => value(r).join(',')).join('\n')}\n`;
      const { export: exported } = await importOk(csv, { rowsPerPart: 1500 });
      const id = exported.manifest.snapshotId;
      expect(exported.manifest.schema.map((c) => c.name), label).toEqual(names);
      expect(await call(page, 'verifySnapshot', { snapshotId: id }), label).toMatchObject({ ok: true, problems: [] });
      const restored = await call(page, 'restoreSnapshot', { snapshotId: id, table: `back_${counter}` });
      expect(restored, label).toMatchObject({ matchesManifest: true, rowCount, checksum: exported.manifest.checksum.value });
      const first = `"${names[0].replaceAll('"', '""')}"`;
      const rid = `"${restored.rowIdColumn}"`;
      const firstValues = (await call(page, 'queryRows', { sql: `SELECT ${first}::VARCHAR FROM back_${counter} ORDER BY ${rid}`, limit: rowCount })).rows.map((r) => r[0]);
      expect(firstValues, label).toEqual(Array.from({ length: rowCount }, (_, r) => value(r)[0]));
      await call(page, 'dropTable', { table: `back_${counter}` });
    }
    await expectNothingPartial();
  });

  it('restores a part whose columns are stored in another order by name, wherever the part is', async () => {
    const rowCount = 3000;
    const source = Array.from({ length: rowCount }, (_, r) => [String(r * 7), String(r % 11), `name-${r}`]);
    const orders = [['c', 'a', 'b'], ['b', 'c', 'a'], ['c', 'b', 'a']];
    for (const [k, order] of orders.entries()) {
      for (const position of [0, 1, 2]) {
        const label = `${order.join(',')} in part ${position + 1}`;
        const { export: exported } = await importOk(`a,b,c\n${source.map((r) => r.join(',')).join('\n')}\n`, { rowsPerPart: 1000 });
        const m = exported.manifest;
        // The part rewritten by native DuckDB with its columns in another order; the manifest's size follows.
        const part = m.parts[position];
        const original = join(work, `order-${k}-${position}.parquet`);
        const reordered = join(work, `order-${k}-${position}-re.parquet`);
        writeFileSync(original, await readOpfsFile(page, `snapshots/${part.name}`));
        await native.conn.run(`COPY (SELECT ${order.join(', ')} FROM read_parquet(${lit(original)})) TO ${lit(reordered)} (FORMAT parquet, COMPRESSION zstd)`);
        const bytes = readFileSync(reordered);
        await writeOpfsBytes(page, `snapshots/${part.name}`, bytes);
        const parts = m.parts.map((p, i) => (i === position ? { ...p, bytes: bytes.length } : p));
        await writeOpfsText(page, `snapshots/${m.snapshotId}.manifest.json`, JSON.stringify({ ...m, parts }));

        expect(await call(page, 'verifySnapshot', { snapshotId: m.snapshotId }), label).toMatchObject({ ok: true });
        const restored = await call(page, 'restoreSnapshot', { snapshotId: m.snapshotId, table: 'reordered' });
        expect(restored, label).toMatchObject({ matchesManifest: true, rowCount });
        const described = (await call(page, 'queryRows', { sql: 'DESCRIBE reordered', limit: 10 })).rows.map((r) => String(r[0]));
        expect(described, label).toEqual([restored.rowIdColumn, 'a', 'b', 'c']);
        const back = (await call(page, 'queryRows', { sql: `SELECT a::VARCHAR, b::VARCHAR, c FROM reordered ORDER BY "${restored.rowIdColumn}"`, limit: rowCount })).rows;
        expect(back, label).toEqual(source);
        await call(page, 'dropTable', { table: 'reordered' });
      }
    }
  });

  it('verify and restore agree on every kind of damage, and nothing is swept that no intent names', async () => {
    const base = Array.from({ length: 3000 }, (_, r) => `${r},${r * 3},name-${r}`).join('\n');
    const small = await importOk(`a,b,c\n${Array.from({ length: 400 }, (_, r) => `${r},${r},x`).join('\n')}\n`, { rowsPerPart: 1000 });
    const smallPart = await readOpfsFile(page, `snapshots/${small.export.manifest.parts[0].name}`);
    const damages: [string, (m: SnapshotManifest) => Promise<void>][] = [
      ['its last part missing', async (m) => removeOpfsFile(page, `snapshots/${m.parts.at(-1)!.name}`)],
      ['its first part missing', async (m) => removeOpfsFile(page, `snapshots/${m.parts[0].name}`)],
      ['a manifest raising a part by one row', async (m) => {
        const changed = { ...m, rowCount: m.rowCount + 1, parts: m.parts.map((p, i) => (i === 1 ? { ...p, rows: p.rows + 1 } : p)) };
        await writeOpfsText(page, `snapshots/${m.snapshotId}.manifest.json`, JSON.stringify(changed));
      }],
      ['a manifest and a part lowered together', async (m) => {
        await writeOpfsBytes(page, `snapshots/${m.parts[1].name}`, smallPart);
        const parts = m.parts.map((p, i) => (i === 1 ? { ...p, rows: 400, bytes: smallPart.length } : p));
        await writeOpfsText(page, `snapshots/${m.snapshotId}.manifest.json`, JSON.stringify({ ...m, parts, rowCount: parts.reduce((s, p) => s + p.rows, 0) }));
      }],
      ['a manifest truncated to 0 bytes', async (m) => writeOpfsText(page, `snapshots/${m.snapshotId}.manifest.json`, '')],
      ['a manifest cut mid-way', async (m) => writeOpfsText(page, `snapshots/${m.snapshotId}.manifest.json`, JSON.stringify(m).slice(0, 90))],
    ];
    for (const [label, damage] of damages) {
      const { export: exported } = await importOk(`a,b,c\n${base}\n`, { rowsPerPart: 1000 });
      const m = exported.manifest;
      await damage(m);
      const before = await listOpfs(page, 'snapshots');
      const verified = await sendRaw(page, 'verifySnapshot', { snapshotId: m.snapshotId });
      const restored = await sendRaw(page, 'restoreSnapshot', { snapshotId: m.snapshotId, table: 'tampered' });
      const verifyOk = verified.ok && verified.value.ok;
      const restoreOk = restored.ok && restored.value.matchesManifest;
      expect(verifyOk, `${label}: verify`).toBe(false);
      expect(restoreOk, `${label}: restore`).toBe(false);
      // Sweeping, an engine restart and its start-up sweep delete nothing: no intent names these files.
      expect((await call(page, 'sweepAbandoned', {})).removed, label).toEqual([]);
      expect(await listOpfs(page, 'snapshots'), label).toEqual(before);
      await call(page, 'dropTable', { table: 'tampered' }).catch(() => undefined);
    }
    // A copy of a part under a name of the user's, even one that looks like ours, stays too.
    const keep = await importOk(`a,b,c\n${base}\n`, { rowsPerPart: 1000 });
    const part = await readOpfsFile(page, `snapshots/${keep.export.manifest.parts[0].name}`);
    for (const name of ['my-backup-copy.parquet', 'kept_part_7.parquet', 'kept_part_0.parquet.tmp', 'kept.manifest.json']) await writeOpfsBytes(page, `snapshots/${name}`, part);
    await page.evaluate(() => chrome.offscreen.closeDocument());
    expect((await call(page, 'sweepAbandoned', {})).removed).toEqual([]);
    const names = (await listOpfs(page, 'snapshots')).map((f) => f.name);
    for (const name of ['my-backup-copy.parquet', 'kept_part_7.parquet', 'kept_part_0.parquet.tmp', 'kept.manifest.json']) {
      expect(names).toContain(name);
      await removeOpfsFile(page, `snapshots/${name}`);
    }
    // The damaged snapshots were left for the user to look at: they go only when asked for.
    for (const manifest of await call(page, 'listSnapshots', {})) await call(page, 'deleteSnapshot', { snapshotId: manifest.snapshotId });
    for (const file of await listOpfs(page, 'snapshots')) await removeOpfsFile(page, `snapshots/${file.name}`);
  });

  it('verifies a snapshot larger than the engine memory part by part, refuses to restore it in words, and gives memory back', async () => {
    await writeMixedCsv(join(work, 'big.csv'), 1_000_000);
    await stageFromUrl(page, `${server.url}/big.csv`, 'staging/big.csv');
    const { export: exported } = await call(page, 'importCsv', { stagedPath: 'staging/big.csv', snapshotId: 'too-big', sourceName: 'big.csv' });
    // A limit the whole table does not fit in, but one part (a quarter of it) does.
    let uncompressed = 0;
    for (const part of exported.manifest.parts) {
      const bytes = await readOpfsFile(page, `snapshots/${part.name}`);
      uncompressed += parquetMetadata(new Uint8Array(bytes).slice().buffer).row_groups.reduce((sum, g) => sum + decodedBytes(g), 0);
    }
    const limitMiB = Math.floor((uncompressed * 0.7) / 2 ** 20);
    const limited = await call(page, 'configureEngine', { memoryLimitBytes: limitMiB * 2 ** 20 });
    expect(limited.memory?.limitBytes).toBe(limitMiB * 2 ** 20);
    try {
      expect(await call(page, 'verifySnapshot', { snapshotId: 'too-big' })).toMatchObject({ ok: true, actual: { rowCount: 1_000_000, checksum: exported.manifest.checksum.value } });
      const restore = await sendRaw(page, 'restoreSnapshot', { snapshotId: 'too-big', table: 'too_big' });
      expect(restore).toMatchObject({ ok: false, error: { name: 'EngineMemoryError' } });
      const message = (restore as { error: { message: string } }).error.message;
      expect(message).toMatch(new RegExp(`too large to restore: its table needs about [\\d.]+ MiB of memory, and the engine \\(DuckDB-WASM\\) has [\\d.]+ MiB free of its ${limitMiB} MiB limit`));
      expect(message).not.toMatch(/temp_directory|memory_limit|Out of Memory/);
      const status = await call(page, 'engineStatus', {});
      expect(status.tables.map((t) => t.name)).not.toContain('too_big');
      expect(status.memory!.usedBytes).toBeLessThan(16 * 1024 * 1024);
      // A CSV larger than the engine can hold is refused before it is read, in the same words.
      await stageFromUrl(page, `${server.url}/big.csv`, 'staging/big-again.csv');
      const refused = await sendRaw(page, 'importCsv', { stagedPath: 'staging/big-again.csv', snapshotId: 'never', sourceName: 'big.csv' });
      expect(refused).toMatchObject({ ok: false, error: { name: 'EngineMemoryError' } });
      expect((refused as { error: { message: string } }).error.message).toMatch(/This CSV \([\d.]+ MiB\) is larger than the engine can hold: .* which takes a CSV of about [\d.]+ MiB at most/);
      await expectNothingPartial();
    } finally {
      await call(page, 'configureEngine', { memoryLimitBytes: null });
    }
    // Restored tables stay until dropped, and are listed; dropping frees their memory.
    const restored = await call(page, 'restoreSnapshot', { snapshotId: 'too-big', table: 'kept_big' });
    expect(restored.matchesManifest).toBe(true);
    const holding = await call(page, 'engineStatus', {});
    expect(holding.tables).toContainEqual({ name: 'kept_big', rows: 1_000_000, columns: 8 });
    await call(page, 'dropTable', { table: 'kept_big' });
    const after = await call(page, 'engineStatus', {});
    expect(after.tables.map((t) => t.name)).not.toContain('kept_big');
    expect(after.memory!.usedBytes).toBeLessThan(holding.memory!.usedBytes / 4);
  });

  it('reads UTF-16 files (either byte order, with or without a byte order mark) as the same rows as UTF-8', async () => {
    const text = 'id,name,city\n1,Zoë,東京\n2,"Ünïcødé, quoted",São Paulo\n3,emoji 🚀,Kraków\n';
    const utf8 = await importOk(text);
    const expected = await readBackNatively(utf8.export.manifest);
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const [label, bytes] of [
      ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), le])],
      ['UTF-16BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), be])],
      ['UTF-16LE without BOM', le],
    ] as const) {
      const result = await importOk(bytes);
      expect(result.load.encoding, label).toBe(label.startsWith('UTF-16LE') ? 'utf-16le' : 'utf-16be');
      expect(await readBackNatively(result.export.manifest), label).toEqual(expected);
    }
    await expectNothingPartial();
  });

  it('names the line and the size of a row too long to read, wherever it is', async () => {
    const huge = 'x'.repeat(26 * 1024 * 1024);
    for (const [label, csv, line] of [
      ['the first data row', `id,blob\n1,"${huge}"\n2,ok\n`, 2],
      ['after a quoted field with newlines', `id,blob\n1,"a\nb\nc"\n2,ok\n3,${huge}\n`, 6],
    ] as const) {
      const reply = await importFile(csv);
      expect(reply.ok, label).toBe(false);
      const { message } = (reply as { error: { message: string } }).error;
      expect(message, label).toMatch(new RegExp(`^The CSV could not be read: line ${line}: a row of 26 MiB \\(its largest field is 26 MiB\\) is larger than the 24 MiB a row may have\\.$`));
      await expectNothingPartial();
    }
  });

  it('says which part, row group and column of a damaged snapshot do not decode, and never passes one', async () => {
    const csv = `n,label,amount\n${Array.from({ length: 4000 }, (_, r) => `${r},label-${r % 97},${r * 1.5}`).join('\n')}\n`;
    for (const column of ['n', 'label', 'amount']) {
      for (const damage of ['frame', 'data'] as const) {
        const { export: exported } = await importOk(csv, { rowsPerPart: 2000 });
        const part = exported.manifest.parts[1];
        const bytes = new Uint8Array(await readOpfsFile(page, `snapshots/${part.name}`));
        if (damage === 'frame') {
          // The ZSTD frame of the column's first data page: decoding it must fail.
          damageZstdFrame(bytes, column);
        } else {
          // Bytes in the middle of the compressed data: a decoder may or may not notice.
          const chunk = parquetMetadata(bytes.slice().buffer).row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === column)!.meta_data!;
          const middle = Number(chunk.data_page_offset) + Math.floor(Number(chunk.total_compressed_size) / 2);
          for (let i = middle; i < middle + 16; i++) bytes[i] = bytes[i] ^ 0x5a;
        }
        await writeOpfsBytes(page, `snapshots/${part.name}`, bytes);
        const verified = await sendRaw(page, 'verifySnapshot', { snapshotId: exported.manifest.snapshotId });
        const restored = await sendRaw(page, 'restoreSnapshot', { snapshotId: exported.manifest.snapshotId, table: 'damaged' });
        expect(verified.ok && verified.value.ok, `${column}/${damage}: verify`).toBe(false);
        expect(restored.ok && restored.value.matchesManifest, `${column}/${damage}: restore`).toBe(false);
        const messages = [verified, restored].map((r) => (r.ok ? JSON.stringify(r.value) : r.error.message)).join(' ');
        expect(messages).not.toMatch(/Error strings stripped/);
        if (damage === 'frame' || !restored.ok) {
          expect(restored.ok, `${column}/${damage}`).toBe(false);
          const { message } = (restored as { error: { message: string } }).error;
          expect(message, column).toMatch(new RegExp(`^Part ${part.name} of "${exported.manifest.snapshotId}" could not be decoded: row group 1 of 1, column "${column}" \\(ZSTD\\) is damaged`));
        }
        await call(page, 'dropTable', { table: 'damaged' });
        await call(page, 'deleteSnapshot', { snapshotId: exported.manifest.snapshotId });
      }
    }
  });

  it('gives two imports of the same file two snapshots, each verified', async () => {
    const csv = 'a,b\n1,2\n3,4\n';
    const [one, two] = await Promise.all([importFile(csv, { snapshotId: 'same-file' }), importFile(csv, { snapshotId: 'same-file' })]);
    expect(one.ok && two.ok).toBe(true);
    const ids = [one, two].map((r) => (r.ok ? r.value.export.manifest.snapshotId : ''));
    expect(new Set(ids)).toEqual(new Set(['same-file', 'same-file-2']));
    for (const id of ids) expect((await call(page, 'verifySnapshot', { snapshotId: id })).ok).toBe(true);
  });

  it('stops itself when idle with no table kept, giving its memory back, and starts anew on the next request', async () => {
    await call(page, 'ping', {});
    for (const table of (await call(page, 'engineStatus', {})).tables) await call(page, 'dropTable', { table: table.name });
    const before = await call(page, 'engineStatus', {});
    expect(before.running).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 17_000)); // RECYCLE_IDLE_MS (15 s) and a margin
    expect(await call(page, 'engineStatus', {})).toMatchObject({ running: false, memory: null, tables: [] });
    await call(page, 'ping', {});
    const after = await call(page, 'engineStatus', {});
    expect(after.running).toBe(true);
    expect(after.startedAt).not.toBe(before.startedAt);
  });
});
