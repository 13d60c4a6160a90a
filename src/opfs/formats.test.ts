import { describe, expect, test } from 'vitest';
import { readForVerdict } from '../inspected-page/check';
import { parseCheckEntry } from './page-answers';
import { detectFormat, locksNaming, type FormatVerdict } from './formats';
import { classifyFiles } from './classify';
import type { ScannedFile } from './scan-types';
import {
  SQLITE_OPEN_MAIN_DB,
  SQLITE_OPEN_MAIN_JOURNAL,
  SQLITE_OPEN_WAL,
  duckdbBytes,
  journalBytes,
  sahpoolSlotBytes,
  sqliteBytes,
  walBytes,
} from '../../tests/support/format-bytes';
import { seededRandom } from '../../tests/support/random';

/** Reads a file as the page does (readForVerdict's `head` read), validates the answer as the panel does, and judges it. */
async function judge(name: string, bytes: Uint8Array): Promise<FormatVerdict> {
  if (bytes.length === 0) return detectFormat(name, 0, undefined);
  const entry = await readForVerdict(new File([bytes as Uint8Array<ArrayBuffer>], name), name, 'head', 1 << 20);
  const checked = parseCheckEntry(entry, 'entry', new Map([[name, { size: bytes.length, lastModified: 0, read: 'head' as const }]]));
  if (checked.kind !== 'head') throw new Error(`expected a head read, got ${JSON.stringify(entry).slice(0, 200)}`);
  return detectFormat(name, bytes.length, checked.head);
}

const PAGE_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

describe('SQLite databases', () => {
  test.each(PAGE_SIZES)('page size %i: sound files are ok, every cut and every ragged end is truncated', async (pageSize) => {
    const field = pageSize === 65536 ? 1 : pageSize;
    for (const pages of [1, 2, 7]) {
      for (const encoding of [1, 2, 3]) {
        const sound = await judge('app.sqlite3', sqliteBytes({ pageSizeField: field, pageCount: pages, encoding, writeVersion: 2, readVersion: 2 }, pageSize * pages));
        expect(sound.problem, `${pages} pages`).toBeUndefined();
        expect(sound.format).toBe('sqlite');
        expect(sound.description).toContain(`${pages.toLocaleString('en-US')} page${pages === 1 ? '' : 's'} of ${pageSize.toLocaleString('en-US')} bytes`);
        expect(sound.description).toContain('WAL mode');
      }
      for (const cut of [100, pageSize * pages - 1, pageSize * (pages - 1) + 100].filter((c) => c >= 100 && c < pageSize * pages)) {
        const cutShort = await judge('app.sqlite3', sqliteBytes({ pageSizeField: field, pageCount: pages }, cut));
        expect(cutShort.problem, `${pages} pages cut to ${cut}`).toMatchObject({ health: 'corrupt' });
        expect(cutShort.problem?.reason).toMatch(/^truncated/);
      }
      // The in-header size is not trusted when the counters differ (legacy writers): a whole number of pages is then fine.
      const legacy = await judge('legacy.db', sqliteBytes({ pageSizeField: field, pageCount: pages + 5, changeCounter: 4, versionValidFor: 3 }, pageSize * pages));
      expect(legacy.problem).toBeUndefined();
      const ragged = await judge('legacy.db', sqliteBytes({ pageSizeField: field, pageCount: pages, changeCounter: 4, versionValidFor: 3 }, pageSize * pages + 17));
      expect(ragged.problem?.reason).toContain('not a whole number');
    }
  });

  test('hostile headers get a clear verdict, never a crash', async () => {
    const cases: [string, Parameters<typeof sqliteBytes>[0], number, RegExp][] = [
      ['page size 0', { pageSizeField: 0 }, 4096, /page size 0 is not a power of two/],
      ['page size 3', { pageSizeField: 3 }, 4096, /page size 3/],
      ['page size 256', { pageSizeField: 256 }, 4096, /page size 256/],
      ['page size 0xffff', { pageSizeField: 0xffff }, 4096, /page size 65535/],
      ['a huge page count', { pageCount: 0xffffffff }, 4096, /truncated: its header says 4,294,967,295 pages/],
      ['encoding 4', { encoding: 4, pageCount: 2 }, 8192, /text encoding 4/],
      ['encoding 0 with pages', { encoding: 0, pageCount: 2 }, 8192, /text encoding 0/],
      ['write version 0', { writeVersion: 0 }, 4096, /file format versions 0/],
      ['payload fractions', { fractions: [65, 32, 32] }, 4096, /payload fractions 65\/32\/32/],
      ['schema format 9', { schemaFormat: 9 }, 4096, /schema format 9/],
      ['header only, cut', {}, 60, /too short for SQLite's 100-byte header/],
    ];
    for (const [what, fields, size, reason] of cases) {
      const bytes = sqliteBytes(fields, size);
      const verdict = await judge('hostile.sqlite', bytes);
      expect(verdict.format, what).toBe('sqlite');
      expect(verdict.problem?.health, what).toBe('corrupt');
      expect(verdict.problem?.reason, what).toMatch(reason);
    }
  });

  test('a new, empty database (encoding not yet set, one page) is fine', async () => {
    expect((await judge('fresh.db', sqliteBytes({ encoding: 0, pageCount: 1, schemaFormat: 0 }, 4096))).problem).toBeUndefined();
  });
});

describe('logs beside databases', () => {
  test.each(PAGE_SIZES)('a WAL of %i-byte pages: frames counted, a partial frame said, its database named', async (pageSize) => {
    for (const magic of [0x377f0682, 0x377f0683]) {
      for (const frames of [0, 1, 3]) {
        for (const extra of [0, 10]) {
          const verdict = await judge('app.sqlite3-wal', walBytes(pageSize, frames, extra, magic));
          expect(verdict.format).toBe('sqlite-wal');
          expect(verdict.problem).toBeUndefined();
          expect(verdict.databaseName).toBe('app.sqlite3');
          expect(verdict.description).toContain(`${frames} frame`);
          expect(verdict.description.includes('partial frame')).toBe(extra > 0);
        }
      }
    }
  });

  test('WAL headers that lie, and logs known only by name', async () => {
    for (const pageSize of [0, 3, 100, 1 << 20, 0xffffffff]) {
      const verdict = await judge('x.db-wal', walBytes(512, 1, 0).map((b, i) => (i >= 8 && i < 12 ? (pageSize >>> (8 * (11 - i))) & 0xff : b)));
      expect(verdict.problem?.health, `page size ${pageSize}`).toBe('corrupt');
    }
    expect((await judge('x.db-wal', new Uint8Array(64).fill(7))).problem?.reason).toContain('not a WAL header');
    expect(await judge('x.db-journal', journalBytes(true))).toMatchObject({ format: 'sqlite-journal', databaseName: 'x.db' });
    expect((await judge('x.db-journal', journalBytes(true))).description).toContain('hot');
    expect((await judge('x.db-journal', journalBytes(false))).description).toContain('inactive');
    expect(await judge('x.db-shm', new Uint8Array(32768))).toMatchObject({ format: 'sqlite-shm', databaseName: 'x.db' });
    expect(await judge('app.duckdb.wal', new Uint8Array(300).fill(9))).toMatchObject({ format: 'duckdb-wal', databaseName: 'app.duckdb' });
    for (const name of ['a-wal', 'a.wal', 'a-journal']) expect((await judge(name, new Uint8Array())).problem, name).toBeUndefined();
  });
});

describe('DuckDB databases', () => {
  test('blocks counted from the active header (the higher iteration), whichever of the two it is', async () => {
    for (const blockSize of [16_384n, 262_144n, 0n]) {
      for (const iterations of [[1n, 2n], [9n, 4n]] as [bigint, bigint][]) {
        for (const blockCount of [0n, 1n, 3n]) {
          const verdict = await judge('app.duckdb', duckdbBytes({ blockSize, blockCount, iterations }));
          expect(verdict.problem, `${blockCount} blocks of ${blockSize}`).toBeUndefined();
          expect(verdict.format).toBe('duckdb');
          const fields = Object.fromEntries(verdict.fields);
          expect(fields.Blocks).toBe(blockCount.toLocaleString('en-US'));
          expect(fields['Block size']).toBe(`${(blockSize === 0n ? 262_144 : Number(blockSize)).toLocaleString('en-US')} bytes`);
          expect(fields.Checkpoints).toBe((iterations[0] > iterations[1] ? iterations[0] : iterations[1]).toLocaleString('en-US'));
          expect(fields['Storage version']).toBe('64');
          expect(fields['Written by DuckDB']).toBe('v1.3.2');
        }
      }
    }
  });

  test('cut short, or with a block size that lies: corrupt, with why', async () => {
    const sound = duckdbBytes({ blockSize: 16_384n, blockCount: 3n });
    for (const cut of [12, 5000, 12_287, 12_288, sound.length - 1]) {
      const verdict = await judge('app.duckdb', sound.subarray(0, cut));
      expect(verdict.problem?.health, `cut to ${cut}: ${verdict.description}`).toBe('corrupt');
      expect(verdict.problem?.reason, `cut to ${cut}`).toMatch(/truncated|headers could not be read/);
    }
    for (const blockSize of [3n, 1000n, 1n << 40n]) {
      expect((await judge('app.duckdb', duckdbBytes({ blockSize, blockCount: 1n }, 3 * 4096))).problem?.reason).toMatch(/block size/);
    }
    expect((await judge('app.duckdb', duckdbBytes({ blockCount: 1n << 50n }, 3 * 4096))).problem?.reason).toMatch(/^truncated/);
    expect((await judge('notduck.duckdb', new Uint8Array(20_000))).problem?.reason).toContain("no 'DUCK' header");
  });
});

describe('opfs-sahpool slots', () => {
  const NAMES = ['/app.sqlite3', '/données é.sqlite3', '/日本語/データ.db', `/${'x'.repeat(400)}.db`, '/a'];
  test.each(NAMES)('the stored name %s is decoded, and a database inside is judged', async (name) => {
    const database = sqliteBytes({ pageCount: 2 }, 8192);
    const slot = await judge('x5tx3ilfeo', sahpoolSlotBytes(name, SQLITE_OPEN_MAIN_DB, database));
    expect(slot).toMatchObject({ format: 'sahpool', slotName: name });
    expect(slot.problem).toBeUndefined();
    expect(slot.description).toContain('2 pages of 4,096 bytes');
    const cut = await judge('x5tx3ilfeo', sahpoolSlotBytes(name, SQLITE_OPEN_MAIN_DB, database.subarray(0, 5000)));
    expect(cut.problem?.reason).toMatch(/^truncated/);
    for (const [flags, kind] of [[SQLITE_OPEN_MAIN_JOURNAL, 'journal'], [SQLITE_OPEN_WAL, 'WAL']] as const) {
      expect((await judge('q1w2e3', sahpoolSlotBytes(`${name}-${kind}`, flags, new Uint8Array(100)))).description).toContain(`(${kind},`);
    }
    const walSlot = await judge('q1w2e3', sahpoolSlotBytes(`${name}-wal`, SQLITE_OPEN_WAL, walBytes(8192, 5)));
    expect(walSlot.description).toContain('SQLite WAL: 5 frames of 8192-byte pages'.replace('8192', '8,192'));
  });

  test('a free slot, and files that only look like slots', async () => {
    expect(await judge('free', sahpoolSlotBytes('', 0))).toMatchObject({ format: 'sahpool', slotName: '' });
    const noisy = sahpoolSlotBytes('/a.db', SQLITE_OPEN_MAIN_DB);
    noisy[300] = 1; // bytes after the name's end: not a stored name
    expect((await judge('noisy', noisy)).format).toBe('other');
    expect((await judge('short', sahpoolSlotBytes('/a.db', SQLITE_OPEN_MAIN_DB).subarray(0, 2000))).format).toBe('other');
  });
});

describe('everything else', () => {
  test('0-byte files are told by their names; only databases are empty', async () => {
    const expected: [string, string, boolean][] = [
      ['app.duckdb', 'duckdb', true],
      ['app.sqlite3', 'sqlite', true],
      ['app.db', 'sqlite', true],
      ['app.db-wal', 'sqlite-wal', false],
      ['app.duckdb.wal', 'duckdb-wal', false],
      ['x.csv', 'csv', false],
      ['notes.txt', 'other', false],
    ];
    for (const [name, format, empty] of expected) {
      const verdict = await judge(name, new Uint8Array());
      expect(verdict.format, name).toBe(format);
      expect(verdict.problem?.health === 'empty', name).toBe(empty);
    }
  });

  test('text is sniffed, a multi-byte character cut by the read is forgiven, binary is other', async () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    expect((await judge('data.bin', encode('  {"a": 1}'))).format).toBe('json');
    expect((await judge('data.bin', encode('[1,2,3]'))).format).toBe('json');
    expect((await judge('rows', encode('id,name\n1,é\n'))).format).toBe('csv');
    expect((await judge('rows.tsv', encode('id\tname\n'))).format).toBe('csv');
    // 127 ASCII bytes then 'é' (2 bytes): the 128-byte head ends inside it.
    expect((await judge('long', encode(`${'a,'.repeat(63)}aé${'b'.repeat(200)}`))).format).toBe('csv');
    expect((await judge('blob', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]))).format).toBe('other');
    expect((await judge('a.arrow', encode('ARROW1\0\0xxxxxxxx'))).format).toBe('arrow');
    expect((await judge('renamed.bin', encode('PAR1xxxxxxxxPAR1'))).format).toBe('parquet');
  });

  test('random bytes under any name never throw, and always get a format', async () => {
    const rand = seededRandom(16);
    const names = ['a.sqlite3', 'a.duckdb', 'a-wal', 'a.wal', 'a-journal', 'a-shm', 'blob', 'a.csv', 'a.json', 'slot'];
    for (let i = 0; i < 400; i++) {
      const size = [1, 20, 100, 600, 4200, 9000][i % 6];
      const bytes = new Uint8Array(size).map(() => Math.floor(rand() * 256));
      // Half of them wear a real magic, so the parsers meet random fields.
      if (i % 2 === 0) bytes.set([new TextEncoder().encode('SQLite format 3\0'), new Uint8Array([0x37, 0x7f, 0x06, 0x82]), new TextEncoder().encode('12345678DUCK'), new TextEncoder().encode('/x.db')][i % 4].subarray(0, size));
      const verdict = await judge(names[i % names.length], bytes);
      expect(typeof verdict.format).toBe('string');
      expect(typeof verdict.description).toBe('string');
    }
  });
});

describe('databases and their logs, judged together', () => {
  const file = (path: string, size: number, head?: Uint8Array): ScannedFile => {
    const cut = path.lastIndexOf('/');
    const scanned: ScannedFile = { path, name: path.slice(cut + 1), folder: cut < 0 ? '' : path.slice(0, cut), size, lastModified: 1 };
    if (size > 0) scanned.head = { head: head ?? new Uint8Array(Math.min(size, 128)), at4096: null, at8192: null };
    return scanned;
  };
  const FOLDERS = ['', 'db', 'deep/er'];
  const LOGS: [suffix: string, bytes: Uint8Array][] = [
    ['-wal', walBytes(4096, 2)],
    ['-journal', journalBytes(true)],
    ['-shm', new Uint8Array(32768)],
    ['.wal', new Uint8Array(500).fill(3)],
  ];

  test.each(FOLDERS)('in folder "%s": a log whose database is gone is an orphan; with it, it is ok', (folder) => {
    const at = (name: string) => (folder ? `${folder}/${name}` : name);
    for (const [suffix, bytes] of LOGS) {
      for (const database of ['app.sqlite3', 'notes.db', 'x', 'ünï code.duckdb']) {
        const log = file(at(`${database}${suffix}`), bytes.length, bytes.subarray(0, 128));
        const alone = classifyFiles({ files: [log, file(at('other.sqlite3'), 4096, sqliteBytes({}, 4096))] });
        expect(alone[0].status, `${database}${suffix}`).toBe('orphan');
        expect(alone[0].reason).toContain(database);
        const withIt = classifyFiles({ files: [log, file(at(database), 4096, sqliteBytes({}, 4096).subarray(0, 128))] });
        expect(withIt[0].status, `${database}${suffix} beside it`).toBe('ok');
        // A database of the same name in another folder does not count.
        const elsewhere = classifyFiles({ files: [log, file(folder ? database : `db/${database}`, 4096)] });
        expect(elsewhere[0].status).toBe('orphan');
      }
    }
  });

  test("DuckDB's checkpoint WAL belongs to its database; DuckDB's spill files are temporary unless held", () => {
    const checkpoint = file('db/app.duckdb.wal.checkpoint', 900, new Uint8Array(128).fill(5));
    expect(classifyFiles({ files: [checkpoint] })[0]).toMatchObject({ format: 'duckdb-wal', status: 'orphan', databaseName: 'app.duckdb' });
    expect(classifyFiles({ files: [checkpoint, file('db/app.duckdb', 0)] })[0]).toMatchObject({ format: 'duckdb-wal', status: 'ok' });
    for (const name of ['duckdb_temp_storage_S96K-0', 'duckdb_temp_storage-4.tmp', 'duckdb_temp_block-12.block']) {
      const spill = file(`app.duckdb.tmp/${name}`, 262_144);
      expect(classifyFiles({ files: [spill] })[0].status, name).toBe('temp');
      expect(classifyFiles({ files: [spill] }, { heldPaths: new Set([spill.path]) })[0], name).toMatchObject({ status: 'locked', inUse: true, health: 'temp' });
    }
    // Only DuckDB's own names: a file that merely mentions it is not a spill file.
    expect(classifyFiles({ files: [file('notes/about duckdb_temp_storage.txt', 10)] })[0].status).toBe('ok');
  });

  test('a 0-byte database is empty, unless its WAL or journal holds bytes', () => {
    expect(classifyFiles({ files: [file('a.sqlite3', 0)] })[0].status).toBe('empty');
    expect(classifyFiles({ files: [file('a.sqlite3', 0), file('a.sqlite3-wal', 0)] })[0].status).toBe('empty');
    expect(classifyFiles({ files: [file('a.sqlite3', 0), file('a.sqlite3-shm', 32768)] })[0].status).toBe('empty');
    const held = classifyFiles({ files: [file('a.sqlite3', 0), file('a.sqlite3-wal', 8272, walBytes(4096, 2).subarray(0, 128))] });
    expect(held[0].status).toBe('ok');
    expect(held[0].reason).toContain('a.sqlite3-wal holds');
  });

  test('a damaged database is flagged but kept out of purges; an orphan log is not kept', () => {
    const reports = classifyFiles({ files: [file('a.sqlite3', 5000, sqliteBytes({ pageCount: 3 }, 128)), file('gone.db-wal', 8272, walBytes(4096, 2).subarray(0, 128))] });
    expect(reports[0]).toMatchObject({ status: 'corrupt', format: 'sqlite' });
    expect(reports[0].keep).toBeDefined();
    expect(reports[1]).toMatchObject({ status: 'orphan', format: 'sqlite-wal', keep: undefined });
  });
});

describe('Web Locks naming a file', () => {
  test('by path, name, database or stored name; never by a lock that only shares a prefix of the name', () => {
    const locks = [
      { name: 'sqlite-wasm:/data/app.sqlite3', mode: 'exclusive' },
      { name: 'opfs-snapshot-inspector:snapshot:orders', mode: 'exclusive' },
      { name: 'app.duckdb', mode: 'shared' },
      { name: 'ap', mode: 'shared' },
    ];
    expect(locksNaming({ path: 'data/app.sqlite3', name: 'app.sqlite3' }, locks).map((l) => l.name)).toEqual(['sqlite-wasm:/data/app.sqlite3']);
    expect(locksNaming({ path: 'data/app.sqlite3-wal', name: 'app.sqlite3-wal', databaseName: 'app.sqlite3' }, locks).map((l) => l.name)).toEqual(['sqlite-wasm:/data/app.sqlite3']);
    expect(locksNaming({ path: '.opfs-sahpool/.opaque/x1', name: 'x1', slotName: '/app.duckdb' }, locks).map((l) => l.name)).toEqual(['app.duckdb']);
    expect(locksNaming({ path: 'other.bin', name: 'other.bin' }, locks)).toEqual([]);
  });
});
