/**
 * What the panel does: scans, purges, CSV import, restore and verify. Each turns I/O
 * into actions for the store's reducer; components only call these.
 */
import { backgroundClient, onEvent } from '../src/messaging';
import { RemoteError, type ImportResult as EngineImportResult, type OperationProgress, type OperationRecord } from '../src/protocol';
import { STAGING_DIR, snapshotIdFromFileName } from '../src/snapshot/names';
import { getDirectory, opfsRoot, removeIfExists } from '../src/opfs/fs';
import { reduce, summarizePurge, type ImportResult, type PurgeRequest, type Store } from './store';
import { sources, type SourceKind } from './sources';
import { downloadFile, downloadSnapshot } from './download';
import type { SnapshotGroup } from '../src/opfs/classify';

export type Controller = ReturnType<typeof createController>;

/**
 * True when a request failed for want of an answer (the service worker was stopped, the
 * engine's document closed, a time-out) rather than with the engine's own error.
 */
export function lostContact(error: unknown): boolean {
  return !(error instanceof RemoteError) || error.name === 'EngineUnavailableError';
}

/** A message for people: the error's own message, which our errors write for them. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

const PHASE_LABELS: Record<OperationProgress['phase'], string> = {
  loading: 'Reading the CSV into DuckDB',
  counting: 'Counting rows and computing the checksum',
  encoding: 'Encoding Parquet',
  writing: 'Writing to OPFS',
  verifying: 'Verifying',
  committing: 'Committing the manifest',
  restoring: 'Restoring',
};

export function createController(store: Store, client = backgroundClient()) {
  const scanGeneration: Record<SourceKind, number> = { page: 0, extension: 0 };

  async function refresh(source: SourceKind = store.source.value): Promise<void> {
    const generation = ++scanGeneration[source];
    const current = () => generation === scanGeneration[source];
    reduce(store, { type: 'scan-started', source });
    try {
      if (source === 'extension') await sweepLeftovers();
      const scan = await sources[source].scan((filesSeen) => {
        if (current()) reduce(store, { type: 'scan-progress', source, filesSeen });
      });
      const inUsePaths = await sources[source].pathsInUse(scan.files.map((f) => f.path));
      if (!current()) return;
      reduce(store, { type: 'scan-done', source, scan, lockedPaths: store.locked[source].value, inUsePaths });
      void reportHealth();
    } catch (error) {
      if (current()) reduce(store, { type: 'scan-failed', source, error: describeError(error) });
    }
  }

  /**
   * The extension's own leftovers (parts of exports that never committed, stale staged
   * CSVs) are removed by the engine, which never touches a snapshot an export is writing.
   */
  async function sweepLeftovers(): Promise<void> {
    try {
      const { removed } = await client.call('sweepAbandoned', {});
      if (removed.length > 0) {
        reduce(store, { type: 'notice', text: `Removed ${removed.length} leftover file${removed.length === 1 ? '' : 's'} of interrupted work: ${removed.slice(0, 3).join(', ')}${removed.length > 3 ? ', …' : ''}` });
      }
    } catch (error) {
      console.warn('could not sweep leftovers', error);
    }
  }

  /** The action badge shows how many empty or corrupt files the panel found. */
  async function reportHealth(): Promise<void> {
    let problems = 0;
    for (const state of Object.values(store.scans)) {
      if (state.value.kind === 'done') problems += state.value.listing.summary.counts.empty + state.value.listing.summary.counts.corrupt;
    }
    const title = problems > 0 ? `OPFS Snapshot Inspector: ${problems} empty or corrupt Parquet file${problems === 1 ? '' : 's'}` : 'OPFS Snapshot Inspector';
    try {
      await client.call('setBadge', { text: problems > 0 ? String(problems) : '', title });
    } catch (error) {
      console.warn('could not update the badge', error);
    }
  }

  /** Opens the confirmation for purging every file of `category` in the current source. */
  function askPurge(category: PurgeRequest['category']): void {
    const listing = store.currentListing.value;
    if (!listing) return;
    const files = listing.files.filter((f) => f.status === category).map((f) => ({ path: f.path, size: f.size }));
    if (files.length > 0) reduce(store, { type: 'purge-ask', request: { source: store.source.value, category, files } });
  }

  async function confirmPurge(): Promise<void> {
    const request = store.purgeDialog.value;
    if (!request) return;
    reduce(store, { type: 'purge-running', fraction: 0 });
    try {
      const targets = request.files;
      const result = await sources[request.source].purge(targets, (done) => reduce(store, { type: 'purge-running', fraction: done / targets.length }));
      const outcome = summarizePurge(request.category, result);
      reduce(store, { type: 'purge-done', outcome, lockedPaths: outcome.locked });
    } catch (error) {
      reduce(store, { type: 'purge-failed', error: describeError(error) });
    }
    await refresh(request.source);
  }

  /** Shows an import's progress events (they come straight from the engine) in the store. */
  function watchImport(operationId: string): () => void {
    return onEvent('progress', (p) => {
      if (p.operationId !== operationId) return;
      const exportFraction = p.rowsTotal > 0 ? p.rowsDone / p.rowsTotal : 0;
      const fraction = p.phase === 'loading' ? null : 0.3 + 0.7 * exportFraction;
      const part = p.parts && p.parts > 1 && p.part !== undefined ? ` (part ${Math.min(p.part + 1, p.parts)} of ${p.parts})` : '';
      importRunning(`${PHASE_LABELS[p.phase]}${part}`, fraction);
    });
  }

  function importRunning(label: string, fraction: number | null): void {
    reduce(store, { type: 'import', state: { kind: 'running', label, fraction } });
  }

  function importDone(fileName: string, result: EngineImportResult): void {
    const { manifest } = result.export;
    const summary: ImportResult = {
      fileName,
      manifest,
      rows: manifest.rowCount,
      parts: manifest.parts.length,
      bytes: manifest.parts.reduce((sum, p) => sum + p.bytes, 0),
      elapsedMs: result.elapsedMs,
    };
    reduce(store, { type: 'import', state: { kind: 'done', result: summary } });
  }

  /** CSV file → staged in the extension's OPFS → the engine's import → verified snapshot. */
  async function importCsv(file: File): Promise<void> {
    const operationId = crypto.randomUUID();
    const stagedName = `${operationId}.csv`;
    const stopWatching = watchImport(operationId);
    try {
      importRunning(`Copying ${file.name} into extension storage`, 0);
      const staging = await getDirectory(await opfsRoot(), STAGING_DIR, { create: true });
      await stageFile(file, staging, stagedName, (bytes) => importRunning(`Copying ${file.name} into extension storage`, file.size > 0 ? (0.1 * bytes) / file.size : null));
      try {
        const result = await client.call('importCsv', {
          stagedPath: `${STAGING_DIR}/${stagedName}`,
          snapshotId: snapshotIdFromFileName(file.name),
          sourceName: file.name,
          operationId,
        });
        importDone(file.name, result);
      } catch (error) {
        if (!lostContact(error)) throw error;
        await followImport(operationId, file.name);
      }
    } catch (error) {
      reduce(store, { type: 'import', state: { kind: 'failed', error: describeError(error) } });
      // The engine removes the staged copy itself; this covers a failure before it ran.
      await removeStaged(stagedName);
    } finally {
      stopWatching();
    }
    await refresh('extension');
  }

  /**
   * Follows an import the panel has no reply channel for (the service worker or the panel
   * itself went away meanwhile) by asking the engine, once a second while it runs.
   */
  async function followImport(operationId: string, fileName: string): Promise<void> {
    for (;;) {
      let operations: OperationRecord[];
      try {
        operations = await client.call('getOperations', {});
      } catch (error) {
        if (!lostContact(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      const record = operations.find((o) => o.operationId === operationId);
      if (!record) {
        throw new Error(`The engine stopped before the import of ${fileName} finished (its document was closed or crashed). Nothing of that snapshot was kept; load the file again.`);
      }
      if (record.state === 'done') return importDone(fileName, record.result as unknown as EngineImportResult);
      if (record.state === 'failed') throw new RemoteError(record.error ?? { name: 'Error', message: 'The import failed.' });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /**
   * When the panel opens: shows an import that is running (or ended while the panel was
   * closed) as it really is, and follows it to the end.
   */
  async function resumeImport(): Promise<void> {
    let operations: OperationRecord[];
    try {
      operations = await client.call('getOperations', {});
    } catch (error) {
      console.warn('could not ask the engine for running operations', error);
      return;
    }
    const recent = operations.filter((o) => o.kind === 'importCsv').sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
    if (!recent || store.importState.value.kind === 'running') return;
    if (recent.state === 'failed') {
      reduce(store, { type: 'import', state: { kind: 'failed', error: recent.error?.message ?? 'The import failed.' } });
      return;
    }
    if (recent.state === 'done') return importDone(recent.subject, recent.result as unknown as EngineImportResult);
    const stopWatching = watchImport(recent.operationId);
    importRunning(recent.progress ? PHASE_LABELS[recent.progress.phase] : 'Waiting for the engine', null);
    try {
      await followImport(recent.operationId, recent.subject);
    } catch (error) {
      reduce(store, { type: 'import', state: { kind: 'failed', error: describeError(error) } });
    } finally {
      stopWatching();
    }
    await refresh('extension');
  }

  async function verifySnapshot(snapshotId: string): Promise<void> {
    reduce(store, { type: 'snapshot-action', state: { kind: 'running', label: `Verifying ${snapshotId}`, fraction: null } });
    try {
      const result = await client.call('verifySnapshot', { snapshotId });
      reduce(store, { type: 'snapshot-action', state: { kind: 'done', result: { kind: 'verify', result } } });
    } catch (error) {
      reduce(store, { type: 'snapshot-action', state: { kind: 'failed', error: describeError(error) } });
    }
  }

  async function restoreSnapshot(snapshotId: string): Promise<void> {
    reduce(store, { type: 'snapshot-action', state: { kind: 'running', label: `Restoring ${snapshotId}`, fraction: null } });
    const table = `restored_${snapshotId.replace(/[^A-Za-z0-9_]/g, '_')}`;
    try {
      const manifests = await client.call('listSnapshots', {});
      const manifest = manifests.find((m) => m.snapshotId === snapshotId);
      const restored = await client.call('restoreSnapshot', { snapshotId, table });
      reduce(store, {
        type: 'snapshot-action',
        state: {
          kind: 'done',
          result: {
            kind: 'restore',
            snapshotId,
            table,
            rowCount: restored.rowCount,
            checksumMatches: manifest?.checksum.value === restored.checksum,
            elapsedMs: restored.elapsedMs,
          },
        },
      });
    } catch (error) {
      reduce(store, { type: 'snapshot-action', state: { kind: 'failed', error: describeError(error) } });
    }
  }

  async function download(what: { file: { path: string; name: string } } | { snapshot: SnapshotGroup }): Promise<void> {
    const source = store.source.value;
    reduce(store, { type: 'notice', text: null });
    try {
      if ('file' in what) await downloadFile(source, what.file.path, what.file.name);
      else await downloadSnapshot(source, what.snapshot);
    } catch (error) {
      reduce(store, { type: 'notice', text: `Download failed: ${describeError(error)}` });
    }
  }

  function selectSource(source: SourceKind): void {
    reduce(store, { type: 'source', source });
    if (store.scans[source].value.kind === 'idle') void refresh(source);
  }

  return { refresh, askPurge, confirmPurge, importCsv, resumeImport, verifySnapshot, restoreSnapshot, selectSource, reportHealth, download };
}

/** Streams `file` into `dir/name`, reporting bytes copied; never holds the file in memory. */
async function stageFile(file: File, dir: FileSystemDirectoryHandle, name: string, onBytes: (bytes: number) => void): Promise<void> {
  const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
  let copied = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      copied += chunk.byteLength;
      onBytes(copied);
      controller.enqueue(chunk);
    },
  });
  // pipeTo closes the writable on success and aborts it on failure.
  await file.stream().pipeThrough(counter).pipeTo(writable);
}

async function removeStaged(name: string): Promise<void> {
  try {
    await removeIfExists(await getDirectory(await opfsRoot(), STAGING_DIR, { create: true }), name);
  } catch (error) {
    console.warn(`could not remove the staged copy ${name}`, error);
  }
}
