/**
 * A Parquet footer described for people: schema, row groups, compression and sizes.
 * Works from the footer bytes alone (footer + 8 tail bytes), which the scan already has.
 */
import { parquetMetadata, parquetSchema, type FileMetaData } from 'hyparquet';

export interface FooterDescription {
  rows: number;
  createdBy: string | null;
  columns: { name: string; type: string; codec: string; compressedBytes: number; uncompressedBytes: number }[];
  rowGroups: { rows: number; compressedBytes: number }[];
}

/** Parses `footer` (the file's last bytes, ending in the footer length and 'PAR1'). Throws on a bad footer. */
export function describeFooter(footer: ArrayBuffer | Uint8Array): FooterDescription {
  return describeMetadata(parquetMetadata(footer));
}

/** Describes already parsed footer metadata. */
export function describeMetadata(metadata: FileMetaData): FooterDescription {
  const leaves = parquetSchema(metadata).children;
  const columns = leaves.map((leaf, index) => {
    let compressed = 0;
    let uncompressed = 0;
    let codec = '';
    for (const group of metadata.row_groups) {
      const chunk = group.columns[index]?.meta_data;
      if (!chunk) continue;
      compressed += Number(chunk.total_compressed_size);
      uncompressed += Number(chunk.total_uncompressed_size);
      codec = chunk.codec;
    }
    const element = leaf.element;
    const type = element.logical_type?.type ?? element.converted_type ?? element.type ?? 'GROUP';
    return { name: element.name, type: String(type), codec, compressedBytes: compressed, uncompressedBytes: uncompressed };
  });
  return {
    rows: Number(metadata.num_rows),
    createdBy: metadata.created_by ?? null,
    columns,
    rowGroups: metadata.row_groups.map((g) => ({
      rows: Number(g.num_rows),
      compressedBytes: g.columns.reduce((sum, c) => sum + Number(c.meta_data?.total_compressed_size ?? 0), 0),
    })),
  };
}
