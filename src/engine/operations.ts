/**
 * The engine's long operations: queued one after another (see `runExclusive`), cancellable,
 * reporting progress as events, and remembered for a while after they finish, so that a
 * panel that was closed or lost its message channel can learn how they ended.
 */
import type { OperationKind, OperationProgress, OperationRecord, OperationRecordOf, OperationResults } from '../protocol';
import { toWireError } from '../protocol';
import { emitEvent } from '../messaging';
import { runExclusive } from './duckdb';

/** Finished operations are kept this long, and at most this many. */
const KEEP_FINISHED_MS = 30 * 60_000;
const KEEP_FINISHED_COUNT = 50;

const records = new Map<string, OperationRecord>();
const controllers = new Map<string, AbortController>();

export type ReportProgress = (progress: Omit<OperationProgress, 'operationId'>) => void;

/** Runs `work` as a queued, cancellable operation recorded under `operationId`. */
export function runOperation<K extends OperationKind>(
  kind: K,
  subject: string,
  operationId: string | undefined,
  work: (signal: AbortSignal, report: ReportProgress) => Promise<OperationResults[K]>,
): Promise<OperationResults[K]> {
  const id = operationId ?? crypto.randomUUID();
  if (records.get(id)?.state === 'running' || records.get(id)?.state === 'queued') {
    return Promise.reject(new Error(`Operation ${id} is already under way.`));
  }
  const record: OperationRecordOf<K> = {
    operationId: id,
    kind,
    subject,
    state: 'queued',
    progress: null,
    result: null,
    error: null,
    startedAt: new Date().toISOString(),
    finishedAt: null,
  };
  // A record of one kind is one member of the union; TypeScript cannot see that for a generic K.
  records.set(id, record as unknown as OperationRecord);
  const controller = new AbortController();
  controllers.set(id, controller);
  const report: ReportProgress = (p) => {
    record.progress = { operationId: id, ...p };
    emitEvent('progress', record.progress);
  };
  return runExclusive(async () => {
    record.state = 'running';
    try {
      const result = await work(controller.signal, report);
      record.state = 'done';
      record.result = result;
      return result;
    } catch (error) {
      record.state = 'failed';
      record.error = toWireError(error);
      throw error;
    } finally {
      record.finishedAt = new Date().toISOString();
      controllers.delete(id);
      forgetOldRecords();
    }
  });
}

/** Asks a queued or running operation to stop; it cleans up like any failure. */
export function cancelOperation(operationId: string): boolean {
  const controller = controllers.get(operationId);
  controller?.abort();
  return controller !== undefined;
}

export function listOperations(): OperationRecord[] {
  forgetOldRecords();
  return [...records.values()].map((r) => ({ ...r }));
}

function forgetOldRecords(): void {
  const now = Date.now();
  const finished = [...records.values()].filter((r) => r.finishedAt !== null);
  finished.forEach((r, index) => {
    if (now - Date.parse(r.finishedAt!) > KEEP_FINISHED_MS || index < finished.length - KEEP_FINISHED_COUNT) records.delete(r.operationId);
  });
}
