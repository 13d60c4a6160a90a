// The demo app: (re)writes the files of plan.js under cleanslate/ in this origin's OPFS.
// Plain JS, no build: served as is by scripts/serve-demo.ts, which generates the Parquet
// files under /fixtures/.
import { DEMO_ROOT, EMPTY_FOLDERS, FIXTURES, LOCK_PATH, PLAN } from './plan.js';

// For tests driving the page: what was written and what the inspector should report.
window.demoExpectations = PLAN.map(({ path, status }) => ({ path, status }));
window.demoEmptyFolders = [...EMPTY_FOLDERS];
window.demoLockPath = LOCK_PATH;

async function fetchFixtures() {
  /** @type {Record<string, Uint8Array>} */
  const files = {};
  await Promise.all(
    FIXTURES.map(async (name) => {
      const response = await fetch(`./fixtures/${name}`, { cache: 'no-store' });
      if (!response.ok) throw new Error(`Fixture ${name}: HTTP ${response.status}`);
      files[name] = new Uint8Array(await response.arrayBuffer());
    }),
  );
  return files;
}

async function folderAt(root, path) {
  let folder = root;
  for (const segment of path.split('/')) folder = await folder.getDirectoryHandle(segment, { create: true });
  return folder;
}

async function writeFile(root, path, content) {
  const cut = path.lastIndexOf('/');
  const folder = await folderAt(root, path.slice(0, cut));
  const handle = await folder.getFileHandle(path.slice(cut + 1), { create: true });
  const writable = await handle.createWritable();
  try {
    await writable.write(content);
    await writable.close();
  } catch (error) {
    await writable.abort().catch(() => undefined); // the write error is the one to report
    throw error;
  }
}

/** Removes cleanslate/ and writes the plan again. Returns the number of files written. */
async function resetDemoData() {
  const fixtures = await fetchFixtures();
  const root = await navigator.storage.getDirectory();
  try {
    await root.removeEntry(DEMO_ROOT, { recursive: true });
  } catch (error) {
    if (error?.name !== 'NotFoundError') throw error;
  }
  for (const entry of PLAN) await writeFile(root, entry.path, entry.bytes(fixtures));
  for (const path of EMPTY_FOLDERS) await folderAt(root, path);
  return PLAN.length;
}

/** @type {Worker | undefined} */
let lockWorker;

function askWorker(message) {
  return new Promise((resolve, reject) => {
    lockWorker.onmessage = (event) => (event.data.ok ? resolve() : reject(new Error(event.data.error)));
    lockWorker.postMessage(message);
  });
}

/** Holds LOCK_PATH open from a worker (sync access handles exist only in workers), as DuckDB-WASM does. */
async function holdFileOpen() {
  lockWorker ??= new Worker('./lock-worker.js');
  await askWorker({ type: 'lock', path: LOCK_PATH });
  document.body.dataset.locked = 'true';
}

async function releaseFile() {
  if (!lockWorker) return;
  await askWorker({ type: 'release' });
  lockWorker.terminate();
  lockWorker = undefined;
  document.body.dataset.locked = 'false';
}

/**
 * Saves the app's table as a snapshot with the exporter library (bundle/save-snapshot.js,
 * built from app/save-snapshot.js by scripts/serve-demo.ts; loaded on first use: it brings
 * DuckDB-WASM). Resolves to the snapshot's manifest.
 */
async function saveLibrarySnapshot(options) {
  const { saveSnapshot } = await import('./bundle/save-snapshot.js');
  return saveSnapshot(options);
}
window.saveLibrarySnapshot = saveLibrarySnapshot;

/**
 * Opens the app's databases (bundle/databases.js, from app/databases.js): its DuckDB-WASM
 * database, held open; a SQLite database written by a real SQLite; sqlite-wasm's sahpool,
 * held open by its worker. What SQLite and DuckDB say of them goes on `window.demoDatabases`
 * for tests; `body[data-databases]` says `open` or why not.
 */
async function openDatabases() {
  try {
    const databases = await import('./bundle/databases.js');
    window.demoApp = databases;
    const sqlite = await databases.writeSqliteDatabase();
    const sahpool = await databases.startSahpool();
    const duckdb = await databases.openAppDatabase();
    window.demoDatabases = {
      duckdb: { path: databases.DUCKDB_PATH, ...duckdb },
      sqlite: { path: databases.SQLITE_PATH, ...sqlite },
      sahpool: { directory: databases.SAHPOOL_DIRECTORY, ...sahpool },
    };
    document.body.dataset.databases = 'open';
  } catch (error) {
    console.error(error);
    document.body.dataset.databases = `failed: ${error?.name}: ${error?.message}`;
  }
}

const status = document.getElementById('demo-status');
const saveButton = document.getElementById('demo-save');
const saveStatus = document.getElementById('demo-save-status');
const resetButton = document.getElementById('demo-reset');
const lockButton = document.getElementById('demo-lock');

function showLockState() {
  lockButton.textContent = document.body.dataset.locked === 'true' ? 'Release the file' : 'Hold a file open';
}

async function run() {
  document.body.dataset.ready = 'false';
  resetButton.disabled = true;
  status.textContent = 'Writing demo data…';
  try {
    // A held file would make the recursive removal fail.
    await releaseFile();
    showLockState();
    const count = await resetDemoData();
    status.textContent = `Demo data written: ${count} files; opening the app's databases…`;
    await openDatabases();
    status.textContent = `Demo data written: ${count} files; the app's databases ${document.body.dataset.databases === 'open' ? 'are open' : 'could not be opened'}`;
    document.body.dataset.ready = 'true';
  } catch (error) {
    console.error(error);
    status.textContent = `Demo data could not be written: ${error?.message ?? error}`;
    document.body.dataset.ready = 'error';
  } finally {
    resetButton.disabled = false;
  }
}

resetButton.addEventListener('click', () => void run());
// `?keep` leaves the OPFS as it is (to inspect what an earlier visit left behind).
const keep = new URLSearchParams(location.search).has('keep');
lockButton.addEventListener('click', async () => {
  try {
    if (document.body.dataset.locked === 'true') await releaseFile();
    else await holdFileOpen();
  } catch (error) {
    console.error(error);
    status.textContent = `Could not hold the file open: ${error?.message ?? error}`;
  }
  showLockState();
});
saveButton.addEventListener('click', async () => {
  saveButton.disabled = true;
  saveStatus.textContent = 'Saving a snapshot with the exporter library…';
  try {
    const manifest = await saveLibrarySnapshot({
      onProgress: (p) => (saveStatus.textContent = `Saving: ${p.phase}${p.rowsTotal ? `, ${p.rowsDone} of ${p.rowsTotal} rows` : ''}…`),
    });
    saveStatus.textContent = `Saved ${manifest.snapshotId}: ${manifest.rowCount} rows in ${manifest.parts.length} verified parts and a manifest.`;
  } catch (error) {
    console.error(error);
    saveStatus.textContent = `The snapshot could not be saved: ${error?.message ?? error}`;
  } finally {
    saveButton.disabled = false;
  }
});
if (keep) {
  status.textContent = 'Kept the existing OPFS contents.';
  document.body.dataset.ready = 'true';
} else {
  void run();
}
