import { describe, expect, it } from 'vitest';
import { describeStatementError, parseDuckDBError } from './duckdb-errors';

const serialised = (type: string, message: string, position?: number) =>
  JSON.stringify({ exception_type: type, exception_message: message, ...(position === undefined ? {} : { position: String(position) }) });

describe('DuckDB errors as its shell prints them', () => {
  it('reads DuckDB-WASM’s serialised error, and keeps any other text as it is', () => {
    expect(parseDuckDBError(serialised('Parser', 'syntax error at or near "SELEC"', 0))).toEqual({ type: 'Parser', message: 'syntax error at or near "SELEC"', position: 0 });
    expect(parseDuckDBError(serialised('Binder', 'no column'))).toEqual({ type: 'Binder', message: 'no column', position: null });
    expect(parseDuckDBError('the worker died')).toEqual({ type: null, message: 'the worker died', position: null });
    expect(parseDuckDBError('{"not":"ours"}')).toEqual({ type: null, message: '{"not":"ours"}', position: null });
  });

  // Every position of every line, with a prefix of every length, and non-ASCII text before the place.
  const statements = ['SELECT 1', 'SELECT a,\n  b\nFROM t', 'SELECT \'é😀\' AS x,\n  zz FROM t', '\n\nSELECT x'];
  for (const statement of statements) {
    for (const prefix of ['', 'CREATE TEMP TABLE r AS\n', 'X']) {
      it(`points at each character of ${JSON.stringify(statement)} run after ${JSON.stringify(prefix)}`, () => {
        const encoder = new TextEncoder();
        for (let index = 0; index <= statement.length; index++) {
          if (index < statement.length && /[\uDC00-\uDFFF]/.test(statement[index])) continue; // inside a surrogate pair
          const position = encoder.encode(prefix + statement.slice(0, index)).length;
          const text = describeStatementError({ type: 'Binder', message: 'm', position }, statement, prefix);
          const [head, , lineText, caret] = text.split('\n');
          expect(head).toBe('Binder Error: m');
          const line = statement.slice(0, index).split('\n').length;
          const column = index - (statement.slice(0, index).lastIndexOf('\n') + 1);
          expect(lineText).toBe(`LINE ${line}: ${statement.split('\n')[line - 1]}`);
          expect(caret).toBe(`${' '.repeat(`LINE ${line}: `.length + column)}^`);
        }
      });
    }
  }

  it('renumbers the line DuckDB drew itself, its caret under the same character, when it gives no position', () => {
    const drawn = 'Referenced column "zz" not found!\nCandidate bindings: "a"\n\nLINE 12:   zz\n            ^';
    const prefix = `${'\n'.repeat(10)}CREATE TEMP TABLE r AS\n`;
    expect(describeStatementError({ type: 'Binder', message: drawn, position: null }, 'x', prefix)).toBe('Binder Error: Referenced column "zz" not found!\nCandidate bindings: "a"\n\nLINE 1:   zz\n           ^');
    expect(describeStatementError({ type: 'Binder', message: drawn, position: null }, 'x', '')).toBe(`Binder Error: ${drawn}`);
    // A line inside the prefix is not the user's: no line is shown.
    expect(describeStatementError({ type: 'Binder', message: 'm\n\nLINE 1: CREATE\n        ^', position: null }, 'x', 'CREATE TEMP TABLE r AS\n')).toBe('Binder Error: m');
  });

  it('draws its own line in place of DuckDB’s when DuckDB gives the position', () => {
    expect(describeStatementError({ type: 'Parser', message: 'syntax error\n\nLINE 2: SELEC\n        ^', position: 23 }, 'SELEC', 'CREATE TEMP TABLE r AS\n')).toBe('Parser Error: syntax error\n\nLINE 1: SELEC\n        ^');
  });

  it('says no line when the position is outside the statement (in the prefix)', () => {
    expect(describeStatementError({ type: 'Parser', message: 'm', position: 2 }, 'SELECT 1', 'CREATE TEMP TABLE r AS\n')).toBe('Parser Error: m');
  });
});
