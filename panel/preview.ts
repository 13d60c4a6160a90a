/**
 * Reading a Parquet file for the details pane without loading it: the footer from the
 * file's last bytes, and the first rows through hyparquet, which fetches only the byte
 * ranges of the first row group's column chunks. The same code serves both sources: the
 * extension's files are sliced directly, the page's through a page task per range.
 */
import { parquetMetadata, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { getFileByPath, opfsRoot } from '../src/opfs/fs';
import { pagePollExpression } from '../src/opfs/page-scan';
import { pageReadExpression, parseReadPoll } from '../src/opfs/page-read';
import { runPageTask } from './inspected-window';
import type { SourceKind } from './sources';

export interface Preview {
  columns: string[];
  rows: string[][];
}

let rangeRequests = 0;

/** Byte ranges of a file of either source, as hyparquet reads them. */
export async function fileBuffer(source: SourceKind, path: string, size: number): Promise<AsyncBuffer> {
  if (source === 'extension') {
    const file = await (await getFileByPath(await opfsRoot(), path)).getFile();
    return { byteLength: file.size, slice: (start, end) => file.slice(start, end).arrayBuffer() };
  }
  return {
    byteLength: size,
    async slice(start, end) {
      const id = `range${Date.now().toString(36)}${(rangeRequests += 1)}`;
      const bytes = await runPageTask(pageReadExpression(id, path, { start, end: end ?? null }), () => pagePollExpression(id), parseReadPoll, { intervalMs: 20 });
      return bytes.buffer;
    },
  };
}

/** The footer's metadata: from bytes the scan already has when given, else from the file's tail. */
export async function readMetadata(buffer: AsyncBuffer, footer?: Uint8Array | null): Promise<FileMetaData> {
  if (footer) return parquetMetadata(footer);
  const tail = new DataView(await buffer.slice(buffer.byteLength - 8));
  const footerLength = tail.getUint32(0, true);
  return parquetMetadata(await buffer.slice(Math.max(0, buffer.byteLength - 8 - footerLength)));
}

/** The first `limit` rows. */
export async function previewRows(buffer: AsyncBuffer, metadata: FileMetaData, limit = 20): Promise<Preview> {
  const rows = await parquetReadObjects({ file: buffer, metadata, rowStart: 0, rowEnd: Math.min(limit, Number(metadata.num_rows)), compressors });
  const leaves = metadata.schema.slice(1).filter((e) => !e.num_children);
  const columns = leaves.map((e) => e.name);
  const dateOnly = leaves.map((e) => e.converted_type === 'DATE' || e.logical_type?.type === 'DATE');
  return { columns, rows: rows.map((row) => columns.map((c, i) => formatCell(row[c], dateOnly[i]!))) };
}

function formatCell(value: unknown, dateOnly: boolean): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return dateOnly ? iso.slice(0, 10) : iso.replace('T', ' ').replace(/\.000Z$|Z$/, '');
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}
