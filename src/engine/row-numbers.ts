/**
 * Row numbers added to decoded Arrow, so that DuckDB can take a restored part straight into
 * the table being built (one copy of every row) instead of into a scratch table that is then
 * copied again with its numbers (two).
 *
 * The stream is rewritten message by message, not decoded and encoded again (that costs as
 * much as decoding the Parquet): the schema gets the column in front, each record batch's
 * header a node and two buffer entries in front, and its body the numbers in front; every
 * other byte is copied once, as it was. Arrow IPC format:
 * https://arrow.apache.org/docs/format/Columnar.html#serialization-and-interprocess-communication-ipc
 */
import { Field, Int64, RecordBatchReader, Schema } from 'apache-arrow';
import { MessageReader } from 'apache-arrow/ipc/message';
import { BufferRegion, FieldNode, Message, RecordBatch as BatchHeader } from 'apache-arrow/ipc/metadata/message';

/** A first column to put in front of decoded rows: `column`, numbering them from `first` on. */
export interface RowNumbers {
  column: string;
  first: number;
}

/**
 * `ipc` (an Arrow IPC stream, uncompressed, as parquet-wasm writes it) with an Int64 column
 * `column` in front, holding `first`, `first + 1`, … for its rows in order; the other
 * columns, their types, dictionaries and the schema's metadata are kept byte for byte.
 */
export function prependRowNumbers(ipc: Uint8Array, { column, first }: RowNumbers): { ipc: Uint8Array<ArrayBuffer>; rows: number } {
  if (!Number.isSafeInteger(first) || first < 0) throw new RangeError(`Invalid first row number: ${first}`);
  const reader = new MessageReader(ipc);
  const out: Uint8Array[] = [];
  let next = first;
  for (let message = reader.readMessage(); message !== null; message = reader.readMessage()) {
    const body = reader.readMessageBody(message.bodyLength);
    if (message.isSchema()) {
      const schema = message.header();
      const numbered = new Schema([new Field(column, new Int64(), false), ...schema.fields], schema.metadata, schema.dictionaries);
      out.push(...framed(Message.from(numbered)));
    } else if (message.isRecordBatch()) {
      const header = message.header();
      const numbers = new Uint8Array(numberRange(next, header.length).buffer);
      const shift = numbers.byteLength; // a multiple of 8: the other buffers stay aligned
      const nodes = [new FieldNode(header.length, 0), ...header.nodes];
      const buffers = [new BufferRegion(0, 0), new BufferRegion(0, shift), ...header.buffers.map((b) => new BufferRegion(b.offset + shift, b.length))];
      out.push(...framed(Message.from(new BatchHeader(header.length, nodes, buffers), shift + body.byteLength)), numbers, body);
      next += header.length;
    } else {
      out.push(...framed(message), body);
    }
  }
  if (!Number.isSafeInteger(next)) throw new RangeError(`Row numbers past ${Number.MAX_SAFE_INTEGER}`);
  out.push(new Uint8Array(new Int32Array([-1, 0]).buffer)); // end of stream
  return { ipc: concat(out), rows: next - first };
}

/** A message's metadata as the stream carries it: continuation marker, length, flatbuffer, padding to 8 bytes. */
function framed(message: Message): Uint8Array[] {
  const metadata = Message.encode(message);
  const padded = (metadata.byteLength + 7) & ~7;
  const prefix = new Int32Array([-1, padded]);
  return [new Uint8Array(prefix.buffer), metadata, new Uint8Array(padded - metadata.byteLength)];
}

function concat(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** `first`, `first + 1`, … (`count` of them) as little-endian 64-bit integers, without a BigInt per row. */
function numberRange(first: number, count: number): BigInt64Array {
  const values = new BigInt64Array(count);
  const words = new Uint32Array(values.buffer);
  for (let i = 0; i < count; i++) {
    const n = first + i;
    words[2 * i] = n % 0x1_0000_0000;
    words[2 * i + 1] = Math.floor(n / 0x1_0000_0000);
  }
  return values;
}

/** The column names of an Arrow IPC stream, from its schema message alone. */
export function columnNames(ipc: Uint8Array): string[] {
  return RecordBatchReader.from(ipc).open().schema.fields.map((field) => field.name);
}
