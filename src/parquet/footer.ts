/**
 * Cheap structural checks of a Parquet file: size, the 'PAR1' magic at both ends, and
 * the footer (Thrift FileMetaData) parsed for its row count. Reads only the first 4
 * bytes and the footer, never the whole file.
 */
import { parquetMetadata, type FileMetaData, type RowGroup } from 'hyparquet';
import { EXPORT_ID_KEY } from '../snapshot/intent';

const MAGIC = 'PAR1';
/** Magic (4) + footer length (4) + magic (4): the smallest possible Parquet file. */
const MIN_PARQUET_BYTES = 12;

/** Anything with a size that can hand out byte ranges: a Blob/File, or a test fake. */
export interface ByteSource {
  readonly size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

export type ParquetCheck =
  | {
      status: 'ok';
      bytes: number;
      rows: number;
      rowGroups: number;
      footerBytes: number;
      decodedBytes: number;
      /** The id of the export that wrote this file (see src/snapshot/intent.ts); null in any other file. */
      exportId: string | null;
    }
  | { status: 'empty'; bytes: 0 }
  | { status: 'corrupt'; bytes: number; reason: string };

/** Checks a Parquet file's structure. Never throws for bad content: it reports it. */
export async function checkParquet(source: ByteSource): Promise<ParquetCheck> {
  const bytes = source.size;
  if (bytes === 0) return { status: 'empty', bytes: 0 };
  if (bytes < MIN_PARQUET_BYTES) return { status: 'corrupt', bytes, reason: `only ${bytes} bytes, too short for Parquet` };
  const head = new Uint8Array(await source.slice(0, 4).arrayBuffer());
  const tail = new Uint8Array(await source.slice(bytes - 8, bytes).arrayBuffer());
  if (ascii(head) !== MAGIC) return { status: 'corrupt', bytes, reason: "no 'PAR1' magic at the start" };
  if (ascii(tail.subarray(4)) !== MAGIC) return { status: 'corrupt', bytes, reason: "no 'PAR1' magic at the end (truncated?)" };
  const footerBytes = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true);
  if (footerBytes === 0 || footerBytes > bytes - MIN_PARQUET_BYTES) {
    return { status: 'corrupt', bytes, reason: `footer length ${footerBytes} does not fit in ${bytes} bytes` };
  }
  const footer = await source.slice(bytes - 8 - footerBytes, bytes).arrayBuffer();
  const parsed = parseFooter(new Uint8Array(footer), bytes);
  if ('reason' in parsed) return { status: 'corrupt', bytes, reason: parsed.reason };
  const { metadata } = parsed;
  return {
    status: 'ok',
    bytes,
    rows: Number(metadata.num_rows),
    rowGroups: metadata.row_groups.length,
    footerBytes,
    decodedBytes: metadata.row_groups.reduce((sum, group) => sum + decodedBytes(group), 0),
    exportId: metadata.key_value_metadata?.find((entry) => entry.key === EXPORT_ID_KEY)?.value ?? null,
  };
}

/** Bytes per value of Parquet's fixed-width physical types. */
const FIXED_WIDTH: Partial<Record<string, number>> = { BOOLEAN: 1, INT32: 4, INT64: 8, INT96: 12, FLOAT: 4, DOUBLE: 8 };

/**
 * About how many bytes the values of row group `group` take once decoded: a fixed-width
 * column by its count of values and their width (its encoded size says little: a delta
 * encoding packs sorted integers into almost nothing), any other (text, binary) by its
 * size before compression, which for plain and delta-length encodings holds every byte.
 */
export function decodedBytes(group: RowGroup): number {
  let bytes = 0;
  for (const { meta_data: column } of group.columns) {
    if (!column) continue;
    const width = FIXED_WIDTH[column.type];
    bytes += width === undefined ? Number(column.total_uncompressed_size) : Number(column.num_values) * width;
  }
  return bytes;
}

/**
 * Parses a footer (the Thrift metadata plus the 8 tail bytes) of a file of `fileSize` bytes
 * and checks that what it says can be true of that file. Answers the metadata, or why the
 * footer is damaged, in words: the parser's own errors ("Cannot read properties of
 * undefined") say nothing about the file.
 */
export function parseFooter(footer: Uint8Array, fileSize: number): { metadata: FileMetaData } | { reason: string } {
  const thrift = footer.subarray(0, Math.max(0, footer.length - 8));
  const damaged = (what: string) => ({ reason: `its footer metadata (${thrift.length.toLocaleString('en-US')} bytes) ${what}` });
  if (thrift.length > 0 && thrift.every((b) => b === 0)) return damaged('is all zero bytes: the file was overwritten or never finished');
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(footer.slice().buffer);
  } catch {
    return damaged('is damaged: it does not decode as Parquet file metadata');
  }
  const rows = Number(metadata.num_rows);
  if (!Number.isSafeInteger(rows) || rows < 0) return damaged(`is damaged: it claims ${String(metadata.num_rows)} rows`);
  if (!Array.isArray(metadata.schema) || metadata.schema.length < 1) return damaged('is damaged: it has no schema');
  if (!Array.isArray(metadata.row_groups)) return damaged('is damaged: it has no row groups');
  let groupRows = 0;
  for (const [index, group] of metadata.row_groups.entries()) {
    groupRows += Number(group.num_rows);
    for (const column of group.columns ?? []) {
      const meta = column.meta_data;
      const start = Number(meta?.dictionary_page_offset ?? meta?.data_page_offset ?? 0);
      const end = start + Number(meta?.total_compressed_size ?? 0);
      if (!meta || !Number.isSafeInteger(start) || start < 4 || end > fileSize) {
        return damaged(`is damaged: row group ${index + 1} points outside the file's ${fileSize.toLocaleString('en-US')} bytes`);
      }
    }
  }
  if (groupRows !== rows) return damaged(`is damaged: its row groups hold ${groupRows.toLocaleString('en-US')} rows, it claims ${rows.toLocaleString('en-US')}`);
  return { metadata };
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
