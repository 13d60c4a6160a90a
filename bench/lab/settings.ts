/** parquet-wasm writer settings the lab compares: the extension's, plus named tweaks. */
import { Compression, EnabledStatistics, WriterPropertiesBuilder, WriterVersion, type WriterProperties } from 'parquet-wasm/esm';

type Tweak = (b: WriterPropertiesBuilder) => WriterPropertiesBuilder;

/** Named tweaks on top of the extension's settings (ZSTD, no dictionary); combine with '+'. */
export const TWEAKS: Record<string, Tweak> = {
  current: (b) => b,
  'stats-chunk': (b) => b.setStatisticsEnabled(EnabledStatistics.Chunk),
  'stats-none': (b) => b.setStatisticsEnabled(EnabledStatistics.None),
  'dict-on': (b) => b.setDictionaryEnabled(true),
  'dict-lowcard': (b) => b.setColumnDictionaryEnabled('label', true).setColumnDictionaryEnabled('day', true).setColumnDictionaryEnabled('flag', true),
  'page-8MiB': (b) => b.setDataPageSizeLimit(8 * 1024 * 1024),
  'batch-8k': (b) => b.setWriteBatchSize(8192),
  'batch-64k': (b) => b.setWriteBatchSize(65536),
  v2: (b) => b.setWriterVersion(WriterVersion.V2),
  snappy: (b) => b.setCompression(Compression.SNAPPY),
  lz4raw: (b) => b.setCompression(Compression.LZ4_RAW),
  uncompressed: (b) => b.setCompression(Compression.UNCOMPRESSED),
};

export function writerProperties(settings: string, rowGroupSize: number): WriterProperties {
  let builder = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setMaxRowGroupSize(rowGroupSize)
    .setDictionaryEnabled(false)
    .setCreatedBy('opfs-snapshot-inspector lab');
  for (const name of settings.split('+')) {
    const tweak = TWEAKS[name];
    if (!tweak) throw new Error(`unknown writer setting "${name}"`);
    builder = tweak(builder);
  }
  return builder.build();
}
