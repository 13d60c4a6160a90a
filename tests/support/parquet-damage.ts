import { parquetMetadata } from 'hyparquet';

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/**
 * Damages, in place, the ZSTD frame of column `column`'s first data page in row group
 * `rowGroup` of a Parquet file (its magic's first byte zeroed), so that decoding that
 * chunk must fail, and every other chunk still reads.
 */
export function damageZstdFrame(bytes: Uint8Array, column: string, rowGroup = 0): void {
  const metadata = parquetMetadata(bytes.slice().buffer);
  const chunk = metadata.row_groups[rowGroup].columns.find((c) => c.meta_data?.path_in_schema[0] === column)?.meta_data;
  if (!chunk) throw new Error(`No column "${column}" in row group ${rowGroup}.`);
  const start = Number(chunk.data_page_offset);
  let at = start;
  while (!ZSTD_MAGIC.every((b, i) => bytes[at + i] === b)) at++;
  if (at >= start + Number(chunk.total_compressed_size)) throw new Error(`No ZSTD frame in column "${column}"'s first data page.`);
  bytes[at] = 0;
}
