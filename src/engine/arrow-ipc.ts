/**
 * Arrow IPC framing. DuckDB-WASM's `runQuery` answers in the IPC *file* format
 * (apache-arrow's reader asserts `isFile()` on it), while parquet-wasm reads the IPC
 * *stream* format. A file is `ARROW1\0\0`, then the stream's messages, then a footer.
 * Arrow C++ (which DuckDB uses) writes the end-of-stream marker before the footer "for
 * compatibility with sequential readers", so the stream is a zero-copy view inside the
 * file. A file without the marker is refused rather than misread.
 * https://arrow.apache.org/docs/format/Columnar.html#ipc-file-format
 */

import { DataType, RecordBatchReader, type Field } from 'apache-arrow';

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"
/** Leading magic plus padding to 8 bytes. */
const FILE_HEADER_BYTES = 8;
/** Trailing int32 footer length plus "ARROW1". */
const FILE_TRAILER_BYTES = 10;
/** Continuation token 0xFFFFFFFF followed by a zero metadata length. */
const END_OF_STREAM = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];

function hasMagicAt(bytes: Uint8Array, offset: number): boolean {
  return FILE_MAGIC.every((b, i) => bytes[offset + i] === b);
}

/** Returns the IPC stream inside an IPC file, or the input unchanged if it already is a stream. */
export function arrowIpcFileToStream(bytes: Uint8Array): Uint8Array {
  const length = bytes.byteLength;
  if (length < FILE_HEADER_BYTES + FILE_TRAILER_BYTES || !hasMagicAt(bytes, 0)) return bytes;
  if (!hasMagicAt(bytes, length - FILE_MAGIC.length)) throw new Error('Arrow IPC file without its trailing magic.');
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset + length - FILE_TRAILER_BYTES, 4).getInt32(0, true);
  const streamEnd = length - FILE_TRAILER_BYTES - footerLength;
  if (footerLength < 0 || streamEnd < FILE_HEADER_BYTES + END_OF_STREAM.length) throw new Error(`Arrow IPC file with an invalid footer length (${footerLength}).`);
  if (!END_OF_STREAM.every((b, i) => bytes[streamEnd - END_OF_STREAM.length + i] === b)) {
    throw new Error('Arrow IPC file without an end-of-stream marker before its footer.');
  }
  return bytes.subarray(FILE_HEADER_BYTES, streamEnd);
}

/**
 * Whether an Arrow type holds a dictionary anywhere inside a fixed-size list: how an ENUM
 * array arrives, from DuckDB's own Arrow or from Parquet written with an Arrow schema.
 * DuckDB-WASM's Arrow reader crashes on it ("memory access out of bounds", and the engine
 * is dead after), and apache-arrow reads its values as nulls: neither may see it.
 */
export function holdsDictionaryInFixedList(type: DataType, inFixedList = false): boolean {
  if (DataType.isDictionary(type)) return inFixedList;
  return (type.children ?? []).some((child: Field) => holdsDictionaryInFixedList(child.type, inFixedList || DataType.isFixedSizeList(type)));
}

/** The columns of an Arrow IPC stream (read from its schema message alone) that {@link holdsDictionaryInFixedList}. */
export function dictionariesInFixedLists(ipc: Uint8Array): string[] {
  return RecordBatchReader.from(ipc)
    .open()
    .schema.fields.filter((field) => holdsDictionaryInFixedList(field.type))
    .map((field) => field.name);
}

/** Whether an Arrow IPC stream holds any row: read up to its first batch that has one. */
export function holdsRows(ipc: Uint8Array): boolean {
  for (const batch of RecordBatchReader.from(ipc)) if (batch.numRows > 0) return true;
  return false;
}
