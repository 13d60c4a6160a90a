/**
 * Reading a Parquet file of the extension's OPFS for the details pane: the footer from
 * the file's last bytes, and the first rows through parquet-wasm's range reader, which
 * fetches only the byte ranges of the first row group it needs, never the whole file.
 */
import initParquetWasm, { ParquetFile } from 'parquet-wasm/esm';
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import { tableFromIPC } from 'apache-arrow';
import { getFileByPath, opfsRoot } from '../src/opfs/fs';
import { describeFooter, type FooterDescription } from '../src/parquet/describe';

let ready: Promise<unknown> | undefined;

export async function readExtensionFooter(path: string): Promise<FooterDescription> {
  const file = await (await getFileByPath(await opfsRoot(), path)).getFile();
  const tail = new DataView(await file.slice(file.size - 8).arrayBuffer());
  const footerLength = tail.getUint32(0, true);
  return describeFooter(await file.slice(Math.max(0, file.size - 8 - footerLength)).arrayBuffer());
}

export interface Preview {
  columns: string[];
  rows: string[][];
}

export async function previewExtensionFile(path: string, limit = 20): Promise<Preview> {
  ready ??= initParquetWasm({ module_or_path: parquetWasmUrl });
  await ready;
  const file = await (await getFileByPath(await opfsRoot(), path)).getFile();
  const parquet = await ParquetFile.fromFile(file);
  try {
    const table = tableFromIPC((await parquet.read({ limit, rowGroups: [0] })).intoIPCStream());
    const columns = table.schema.fields.map((f) => f.name);
    const rows = table.toArray().map((row: Record<string, unknown>) => columns.map((c) => formatCell(row[c])));
    return { columns, rows };
  } finally {
    parquet.free();
  }
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}
