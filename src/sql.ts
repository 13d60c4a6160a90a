/**
 * The one place where names and values become SQL text. Nothing else interpolates
 * user-provided strings into a statement.
 */

/** Quotes an identifier for DuckDB: `my "table"` → `"my ""table"""`. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('An SQL identifier cannot be empty.');
  if (name.includes('\u0000')) throw new Error('An SQL identifier cannot contain a NUL character.');
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal for DuckDB: `it's` → `'it''s'`. */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('An SQL string cannot contain a NUL character.');
  return `'${value.replaceAll("'", "''")}'`;
}

/** An integer literal, refusing anything that is not a safe integer. */
export function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Not a safe integer: ${value}`);
  return String(value);
}
