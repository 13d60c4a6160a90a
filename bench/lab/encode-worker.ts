/**
 * Encodes a part's Arrow IPC to Parquet with its own parquet-wasm instance and writes it
 * into OPFS through a sync access handle: encoding and writing off the main thread, and
 * on a second core while DuckDB's worker runs the next part's query.
 * Message: { id, ipc (transferred), rowGroupSize, settings, folder, name };
 * answer: { id, ok: true, bytes, encodeMs, writeMs } or { id, ok: false, error }.
 */
import initParquetWasm, { Table, writeParquet } from 'parquet-wasm/esm';
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import { writerProperties } from './settings';

interface EncodeRequest {
  id: number;
  ipc: Uint8Array;
  rowGroupSize: number;
  settings: string;
  folder: string;
  name: string;
}

interface SyncAccessHandle {
  truncate(size: number): void;
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

const scope = globalThis as unknown as { onmessage: ((event: MessageEvent<EncodeRequest>) => void) | null; postMessage(message: unknown): void };
let ready: Promise<unknown> | undefined;

scope.onmessage = async (event) => {
  const { id, ipc, rowGroupSize, settings, folder, name } = event.data;
  try {
    ready ??= initParquetWasm({ module_or_path: parquetWasmUrl });
    await ready;
    const t0 = performance.now();
    const bytes = writeParquet(Table.fromIPCStream(ipc), writerProperties(settings, rowGroupSize));
    const t1 = performance.now();
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder, { create: true });
    const handle = await dir.getFileHandle(name, { create: true });
    const access = await (handle as unknown as { createSyncAccessHandle(): Promise<SyncAccessHandle> }).createSyncAccessHandle();
    try {
      access.truncate(0);
      let written = 0;
      while (written < bytes.length) written += access.write(bytes.subarray(written), { at: written });
      access.flush();
    } finally {
      access.close();
    }
    scope.postMessage({ id, ok: true, bytes: bytes.byteLength, encodeMs: t1 - t0, writeMs: performance.now() - t1 });
  } catch (error) {
    scope.postMessage({ id, ok: false, error: `${(error as Error)?.name}: ${(error as Error)?.message}` });
  }
};
