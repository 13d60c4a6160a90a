/**
 * Parquet encoding and decoding behind one small interface, so that a faster codec can
 * replace this one. DuckDB-WASM cannot write Parquet offline (its parquet extension is
 * fetched from the network at first use, which an MV3 extension may not do), so the
 * bytes come from parquet-wasm (arrow-rs compiled to WebAssembly), fed with DuckDB's
 * Arrow IPC output. The engine runs it in a worker of its own (parquet-worker.ts), so that
 * encoding uses the core DuckDB's worker leaves free; the library runs it on the app's thread.
 */
import initParquetWasm, { Compression, Encoding, Table, WriterPropertiesBuilder, WriterVersion, readParquet, writeParquet } from 'parquet-wasm/esm';
import { writeHandle } from '../opfs/fs';
import { prependRowNumbers, type RowNumbers } from './row-numbers';

export interface EncodeSettings {
  rowGroupSize: number;
  /**
   * The stream's top-level text and binary columns. They are written delta-length encoded
   * (every byte kept, the lengths packed), not with the prefix-sharing delta encoding that
   * data pages v2 choose by default, so that their size before compression still says how
   * much memory their values take once read (`decodedBytes` in src/parquet/footer.ts).
   */
  textColumns?: readonly string[];
  /** Key-value metadata for the file's footer (an export's parts carry its id, see src/snapshot/intent.ts). */
  metadata?: Readonly<Record<string, string>>;
}

export interface ParquetCodec {
  /** How many requests it works on at once (its workers): what a pipeline may keep in flight. */
  readonly concurrency: number;
  /**
   * Encodes one Arrow IPC stream as a complete Parquet file (ZSTD) and writes it as the
   * whole of `file`; resolves with its length. The caller creates the file (holding
   * whatever lock guards it): the codec only opens it, so that a codec's worker that
   * outlives its caller can never create a file after a cleanup, only fail to open one.
   * The stream's buffer may be handed over to another thread: the caller does not use it
   * afterwards. The caller checks what was written (it reads the file back).
   *
   * `onEncoded`, when given, is called once the bytes are encoded and only their write is
   * left: a caller may hand over the next stream then, for another worker to encode while
   * this one writes.
   */
  encodeToFile(arrowIpcStream: Uint8Array, settings: EncodeSettings, file: FileSystemFileHandle, onEncoded?: () => void): Promise<number>;
  /**
   * Starts opening `file` (created by the caller) for the `encodeToFile` that will write it,
   * so that the open's round trips to the browser are over before its bytes are encoded: a
   * worker cannot answer them while it encodes. What is opened ahead stays open until that
   * `encodeToFile` or `closeAhead`: a caller that will not encode the file closes it.
   */
  openAhead(file: FileSystemFileHandle): void;
  /** Closes `file` if it was opened ahead and no `encodeToFile` took it; resolves once it is closed. */
  closeAhead(file: FileSystemFileHandle): Promise<void>;
  /**
   * Decodes row groups `rowGroups` of a complete Parquet file, each into an Arrow IPC
   * stream (without `rowGroups`, the whole file into one). The caller keeps `parquet`.
   * With `numbers`, each stream begins with that column of row numbers, counted on from
   * one stream to the next. Once `signal` aborts, the decode is given up (rejecting with its
   * reason): a codec in a worker stops the worker, so that a decode that never ends (a
   * damaged file looping the decoder) does not hold its caller for good.
   */
  decode(parquet: Uint8Array, rowGroups?: readonly number[], numbers?: RowNumbers, signal?: AbortSignal): Promise<Uint8Array[]>;
}

/** The codec's synchronous core: what the in-thread codec and the codec's worker both run. */
export interface ParquetWasm {
  encode(arrowIpcStream: Uint8Array, settings: EncodeSettings): Uint8Array<ArrayBuffer>;
  decode(parquet: Uint8Array, rowGroups?: readonly number[], numbers?: RowNumbers): Uint8Array[];
}

/**
 * Rows per record batch in decoded Arrow (parquet-wasm's default is 1,024): every batch is a
 * message for each reader after it, and at 1,024 rows the messages, not the rows, cost the
 * most (measured: numbering a 250,000-row part 40 ms in 1,024-row batches, 11–18 ms in 8,192
 * or more; decoding 5% faster).
 */
const DECODE_BATCH_ROWS = 65_536;

let started: Promise<ParquetWasm> | undefined;

/**
 * parquet-wasm, instantiated once per context from `wasmUrl` (the extension's own copy; an
 * app's, served from its origin). Without a URL, parquet-wasm finds its file next to its
 * own module (`new URL('parquet_wasm_bg.wasm', import.meta.url)`), which bundlers such as
 * Vite follow; or from the file's bytes (a test in Node). A failed start is retried on the next call.
 */
export function startParquetWasm(wasmUrl?: string | URL | Uint8Array<ArrayBuffer>): Promise<ParquetWasm> {
  started ??= initParquetWasm(wasmUrl === undefined ? undefined : { module_or_path: wasmUrl }).then(
    () => parquetWasm,
    (error: unknown) => {
      started = undefined;
      throw new Error('The Parquet encoder (parquet-wasm) could not start.', { cause: error });
    },
  );
  return started;
}

/** The codec on this thread (the library's: an app's page or worker). */
export async function startParquetCodec(wasmUrl?: string | URL): Promise<ParquetCodec> {
  const wasm = await startParquetWasm(wasmUrl);
  return {
    concurrency: 1,
    async encodeToFile(ipc, settings, file, onEncoded) {
      const bytes = wasm.encode(ipc, settings);
      onEncoded?.();
      await writeHandle(file, bytes);
      return bytes.byteLength;
    },
    // On one thread, the open cannot be ahead of the encode: nothing to do.
    openAhead: () => undefined,
    closeAhead: async () => undefined,
    // On one thread, a decode runs to its end once started: there is nothing to give up.
    decode: async (parquet, rowGroups, numbers, signal) => {
      signal?.throwIfAborted();
      return wasm.decode(parquet, rowGroups, numbers);
    },
  };
}

const parquetWasm: ParquetWasm = {
  encode(arrowIpcStream, { rowGroupSize, textColumns = [], metadata = {} }) {
    const table = Table.fromIPCStream(arrowIpcStream);
    let properties = new WriterPropertiesBuilder()
      .setCompression(Compression.ZSTD)
      .setMaxRowGroupSize(rowGroupSize)
      // Measured on mixed 8-column data (PLATFORM-NOTES): with dictionary encoding on,
      // arrow-rs took ~1.8x longer and wrote larger files; plain + ZSTD wins here.
      .setDictionaryEnabled(false)
      // Data pages v2, whose default encodings without a dictionary are the delta ones
      // (integers, dates, timestamps, decimals; text as set below). Measured on a 250,000-row
      // part of the benchmark's 8 columns (`npm run bench -- --only=writer`): encoding 0.80x
      // the time of v1 pages, decoding 73 ms against 96, 7.66 MB against 8.33; native DuckDB
      // and hyparquet read the same values.
      .setWriterVersion(WriterVersion.V2)
      .setCreatedBy('opfs-snapshot-inspector (parquet-wasm)')
      .setKeyValueMetadata(new Map(Object.entries(metadata)));
    for (const column of textColumns) properties = properties.setColumnEncoding(column, Encoding.DELTA_LENGTH_BYTE_ARRAY);
    // writeParquet takes ownership of both wasm objects and frees them when done, so
    // nothing of this part outlives the call but the returned bytes.
    // The bytes are a fresh copy (`.slice()`) out of wasm memory: a plain ArrayBuffer.
    return writeParquet(table, properties.build()) as Uint8Array<ArrayBuffer>;
  },
  decode(parquet, rowGroups, numbers) {
    // intoIPCStream consumes the table.
    const streams = rowGroups === undefined ? [readParquet(parquet, { batchSize: DECODE_BATCH_ROWS }).intoIPCStream()] : rowGroups.map((index) => readParquet(parquet, { rowGroups: [index], batchSize: DECODE_BATCH_ROWS }).intoIPCStream());
    if (numbers === undefined) return streams;
    let first = numbers.first;
    return streams.map((stream) => {
      const numbered = prependRowNumbers(stream, { column: numbers.column, first });
      first += numbered.rows;
      return numbered.ipc;
    });
  },
};
