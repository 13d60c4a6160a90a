/**
 * DuckDB's errors in its own words. DuckDB-WASM hands them over as DuckDB's serialised
 * error (`{"exception_type":"Parser","exception_message":"…","position":"7"}`); the console
 * shows them as DuckDB's shell would: `Parser Error: …` and, where DuckDB names a position,
 * the line of the statement it points at with a caret under the place.
 */

export interface DuckDBError {
  /** DuckDB's exception type: Parser, Binder, Catalog, Conversion, Out of Memory… */
  type: string | null;
  message: string;
  /** Byte offset into the text DuckDB was given, when DuckDB gives one. */
  position: number | null;
}

/** Reads DuckDB's serialised error; any other text is a message of unknown type. */
export function parseDuckDBError(text: string): DuckDBError {
  try {
    const parsed = JSON.parse(text) as { exception_type?: unknown; exception_message?: unknown; position?: unknown };
    if (typeof parsed.exception_message === 'string') {
      const position = parsed.position === undefined ? null : Number(parsed.position);
      return { type: typeof parsed.exception_type === 'string' ? parsed.exception_type : null, message: parsed.exception_message, position: Number.isSafeInteger(position) ? position : null };
    }
  } catch {
    // Not DuckDB's JSON: a message of its own.
  }
  return { type: null, message: text, position: null };
}

/**
 * The error as DuckDB's shell prints it, its position made to refer to `statement` when
 * DuckDB ran it with `prefix` before it (the console keeps a query's result with a
 * `CREATE TEMP TABLE … AS` in front). Positions are byte offsets of UTF-8 text.
 */
export function describeStatementError(error: DuckDBError, statement: string, prefix = ''): string {
  // DuckDB may have drawn the line itself (counting the prefix's lines too).
  const drawn = /\n\nLINE (\d+):([^\n]*)\n([^\n]*\^)\s*$/.exec(error.message);
  const message = drawn ? error.message.slice(0, drawn.index) : error.message;
  const head = error.type ? `${error.type} Error: ${message}` : message;
  if (error.position === null) {
    if (!drawn) return head;
    const line = Number(drawn[1]) - (prefix.split('\n').length - 1);
    if (line < 1) return head;
    // The caret stays under the same character: the label may have become shorter.
    const shift = `LINE ${drawn[1]}:`.length - `LINE ${line}:`.length;
    return `${head}\n\nLINE ${line}:${drawn[2]}\n${drawn[3].slice(shift)}`;
  }
  const prefixBytes = new TextEncoder().encode(prefix).length;
  const bytes = new TextEncoder().encode(statement);
  const at = error.position - prefixBytes;
  if (at < 0 || at > bytes.length) return head;
  const before = new TextDecoder().decode(bytes.subarray(0, at));
  const lines = statement.split('\n');
  const lineIndex = before.split('\n').length - 1;
  const column = before.length - before.lastIndexOf('\n') - 1;
  const label = `LINE ${lineIndex + 1}: `;
  return `${head}\n\n${label}${lines[lineIndex]}\n${' '.repeat(label.length + column)}^`;
}
