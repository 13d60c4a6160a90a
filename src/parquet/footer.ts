/**
 * Cheap structural checks of a Parquet file: size, the 'PAR1' magic at both ends, and
 * the footer (Thrift FileMetaData) parsed for its row count. Reads only the first 4
 * bytes and the footer, never the whole file.
 */
import { parquetMetadata } from 'hyparquet';

const MAGIC = 'PAR1';
/** Magic (4) + footer length (4) + magic (4): the smallest possible Parquet file. */
const MIN_PARQUET_BYTES = 12;

/** Anything with a size that can hand out byte ranges: a Blob/File, or a test fake. */
export interface ByteSource {
  readonly size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

export type ParquetCheck =
  | { status: 'ok'; bytes: number; rows: number; rowGroups: number; footerBytes: number }
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
  try {
    const metadata = parquetMetadata(footer);
    return {
      status: 'ok',
      bytes,
      rows: Number(metadata.num_rows),
      rowGroups: metadata.row_groups.length,
      footerBytes,
    };
  } catch (error) {
    return { status: 'corrupt', bytes, reason: `footer does not parse: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
