/**
 * The content checksum a snapshot's manifest records and Verify and Restore recompute: the
 * sum of DuckDB's `hash()` of each row. Version 1 hashes `(row id, columns in order)`.
 *
 * DuckDB's `hash()` cannot tell apart values that compare distinct: a NULL list from `[]`,
 * `[NULL]` from `[]`, `[[]]` from `[NULL]`, a NULL struct from one of NULLs, a NULL map from
 * `{}`, `-0.0` from `0.0` (measured in DuckDB 1.4 and 1.5). And a list of lists hashed right
 * after a hash of 0 (the row id of row 0, a 0 before it) loses its values: `[[1], [1, 1]]`
 * and `[[2], [2, 1]]` hash alike there. Version 2 hashes `(2, row id, columns in order, shape
 * markers)`: the constant first, and for each column whose type holds such values (a float,
 * a list, an array, a struct, a map, at any depth) a marker that tells them apart: the lengths
 * and nullness of its nested values and the sign bits of its floats.
 */
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, type ColumnSchema } from '../protocol';
import { quoteIdent, quoteLiteral } from '../sql';
import type { DuckConnection } from './duck-query';
import { queryJson } from './tables';

/** What an export records. */
export const CHECKSUM_ALGORITHM: ChecksumAlgorithm = CHECKSUM_ALGORITHMS[CHECKSUM_ALGORITHMS.length - 1];

/** A column's type, as far as its shape goes. */
export type TypeShape =
  | { kind: 'float' }
  | { kind: 'other' }
  | { kind: 'list'; of: TypeShape }
  | { kind: 'array'; of: TypeShape }
  | { kind: 'struct'; fields: { name: string; type: TypeShape }[] }
  | { kind: 'map'; key: TypeShape; value: TypeShape };

const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE', 'REAL', 'FLOAT4', 'FLOAT8']);

/**
 * Parses a type's text as DuckDB's DESCRIBE writes it (`STRUCT("a b" DOUBLE[], n BIGINT)[3]`,
 * `MAP(VARCHAR, FLOAT)`, `DECIMAL(18,3)`, `ENUM('x', 'y')`). Throws on text it cannot read: a
 * checksum must never quietly leave a column's shape out.
 */
export function parseTypeShape(text: string): TypeShape {
  let at = 0;
  const fail = (): never => {
    throw new Error(`Cannot read the type ${JSON.stringify(text)} at character ${at}.`);
  };
  const space = () => {
    while (text[at] === ' ') at++;
  };
  /** A quoted name or ENUM member, from its opening quote; returns its text without quotes. */
  const quoted = (): string => {
    const q = text[at++];
    let out = '';
    for (;;) {
      if (at >= text.length) fail();
      if (text[at] === q) {
        if (text[at + 1] !== q) break;
        at++;
      }
      out += text[at++];
    }
    at++;
    return out;
  };
  const word = (): string => {
    const m = /^[A-Za-z_][\w]*/.exec(text.slice(at));
    if (!m) fail();
    at += m![0].length;
    return m![0];
  };
  /** A struct field's name: quoted, or unquoted up to the space before its type (DuckDB 1.5 quotes any name that is not plain; an older one may not). */
  const fieldName = (): string => {
    if (text[at] === '"') return quoted();
    const m = /^[^\s"(),[\]]+/.exec(text.slice(at));
    if (!m) fail();
    at += m![0].length;
    return m![0];
  };
  /** Skips a balanced parenthesised group (a DECIMAL's or an ENUM's arguments). */
  const skipGroup = () => {
    let depth = 0;
    do {
      if (at >= text.length) fail();
      const c = text[at];
      if (c === '"' || c === "'") {
        quoted();
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')') depth--;
      at++;
    } while (depth > 0);
  };
  const expect = (c: string) => {
    space();
    if (text[at] !== c) fail();
    at++;
  };
  const type = (): TypeShape => {
    space();
    const name = word().toUpperCase();
    let shape: TypeShape;
    if (name === 'STRUCT' && text[at] === '(') {
      at++;
      const fields: { name: string; type: TypeShape }[] = [];
      for (;;) {
        space();
        fields.push({ name: fieldName(), type: type() });
        space();
        if (text[at] === ',') at++;
        else break;
      }
      expect(')');
      shape = { kind: 'struct', fields };
    } else if (name === 'MAP' && text[at] === '(') {
      at++;
      const key = type();
      expect(',');
      const value = type();
      expect(')');
      shape = { kind: 'map', key, value };
    } else {
      if (text[at] === '(') skipGroup();
      // Names of more than one word: TIMESTAMP WITH TIME ZONE, DOUBLE PRECISION.
      while (/^ (?:WITH|TIME|ZONE|PRECISION|VARYING)\b/i.test(text.slice(at))) {
        at++;
        word();
      }
      shape = FLOAT_TYPES.has(name) ? { kind: 'float' } : { kind: 'other' };
    }
    for (;;) {
      const suffix = /^\[(\d*)\]/.exec(text.slice(at));
      if (!suffix) break;
      at += suffix[0].length;
      shape = suffix[1] === '' ? { kind: 'list', of: shape } : { kind: 'array', of: shape };
    }
    return shape;
  };
  const shape = type();
  space();
  if (at !== text.length) fail();
  return shape;
}

/**
 * An expression over `value` (of type `shape`) whose hash tells apart what `hash(value)`
 * cannot, or null when nothing needs telling apart (a type without floats or nesting).
 * `depth` names the loop variables of nested list comprehensions.
 */
function shapeMarker(value: string, shape: TypeShape, depth = 0): string | null {
  switch (shape.kind) {
    case 'other':
      return null;
    case 'float':
      return `signbit(${value})`;
    case 'list':
    case 'array': {
      const x = `__shape_${depth}`;
      const inner = shapeMarker(x, shape.of, depth + 1);
      // The length tells NULL from [] and [NULL] from []; the elements' markers go deeper.
      const length = shape.kind === 'list' ? `len(${value})` : `${value} IS NULL`;
      return inner === null ? length : `row(${length}, [${inner} FOR ${x} IN ${value}])`;
    }
    case 'struct': {
      const fields = shape.fields.map((f) => shapeMarker(`struct_extract(${value}, ${quoteLiteral(f.name)})`, f.type, depth)).filter((m) => m !== null);
      return `row(${[`${value} IS NULL`, ...fields].join(', ')})`;
    }
    case 'map': {
      const x = `__shape_${depth}`;
      const keys = shapeMarker(x, shape.key, depth + 1);
      const values = shapeMarker(x, shape.value, depth + 1);
      return `row(${[
        `cardinality(${value})`,
        ...(keys === null ? [] : [`[${keys} FOR ${x} IN map_keys(${value})]`]),
        ...(values === null ? [] : [`[${values} FOR ${x} IN map_values(${value})]`]),
      ].join(', ')})`;
    }
  }
}

/**
 * SQL of the content checksum of `source` (a table's quoted name or a parenthesised query)
 * under `algorithm`. The columns are named one by one, quoted: a table alias would be
 * shadowed by a column of the same name (a column `t` made `hash(t)` hash that column alone).
 * Being a sum, it adds up over parts: verification checks a snapshot part by part.
 */
export function checksumSql(source: string, rowId: string, columns: readonly ColumnSchema[], algorithm: ChecksumAlgorithm = CHECKSUM_ALGORITHM): string {
  const values = [rowId, ...columns.map((c) => c.name)].map(quoteIdent);
  if (algorithm === 'duckdb-hash-sum-v1') return `SELECT count(*)::BIGINT AS n, coalesce(sum(hash(row(${values.join(', ')}))), 0)::VARCHAR AS checksum FROM ${source}`;
  const markers = columns.map((c) => shapeMarker(quoteIdent(c.name), parseTypeShape(c.type))).filter((m) => m !== null);
  // The constant first: a list of lists hashed after a hash of 0 (row id 0) loses its values.
  return `SELECT count(*)::BIGINT AS n, coalesce(sum(hash(row(2, ${[...values, ...markers].join(', ')}))), 0)::VARCHAR AS checksum FROM ${source}`;
}

/** Row count and content checksum of `source` (see {@link checksumSql}). */
export async function tableChecksum(
  duck: DuckConnection,
  source: string,
  rowIdColumn: string,
  columns: readonly ColumnSchema[],
  algorithm: ChecksumAlgorithm = CHECKSUM_ALGORITHM,
): Promise<{ rowCount: number; checksum: string }> {
  const { rows } = await queryJson(duck, checksumSql(source, rowIdColumn, columns, algorithm));
  const [n, checksum] = rows[0] ?? [];
  return { rowCount: Number(n), checksum: String(checksum) };
}

/** Adds two checksums (decimal text of DuckDB's HUGEINT sums) exactly. */
export function addChecksums(a: string, b: string): string {
  return (BigInt(a) + BigInt(b)).toString();
}
