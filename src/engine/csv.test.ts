import { describe, expect, it } from 'vitest';
import { describeDuckDBError, findUnclosedQuote } from './csv';
import { delimiterOfHeader } from './csv-sql';

describe('delimiterOfHeader', () => {
  it('counts candidate delimiters outside quotes in the first line only', () => {
    expect(delimiterOfHeader('a,b,c\n1;2;3;4;5\n')).toBe(',');
    expect(delimiterOfHeader('a;b;c\r\n1,2\n')).toBe(';');
    expect(delimiterOfHeader('a\tb\n')).toBe('\t');
    expect(delimiterOfHeader('a|b|c|d\n')).toBe('|');
    expect(delimiterOfHeader('"x;y;z",b\n')).toBe(',');
    expect(delimiterOfHeader('"multi\nline,header";b\n')).toBe(';');
    expect(delimiterOfHeader('\uFEFFid,name\n')).toBe(',');
  });

  it('leaves a single column to the sniffer', () => {
    expect(delimiterOfHeader('just_one_column\n1\n')).toBeUndefined();
    expect(delimiterOfHeader('')).toBeUndefined();
  });
});

describe('describeDuckDBError', () => {
  it('keeps the line number and the problem, not the offending data or the fixes', () => {
    const duckdb = new Error(
      'Invalid Input Error: CSV Error on Line: 2\nOriginal Line: A,\u00ff(\u00ff secret data\nInvalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.\n\nPossible Solution: Enable ignore errors (ignore_errors=true) to skip this row',
    );
    expect(describeDuckDBError(duckdb)).toBe('line 2: Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.');
  });

  it('shortens very long messages', () => {
    expect(describeDuckDBError(new Error('x'.repeat(1000))).length).toBeLessThanOrEqual(300);
  });
});

describe('findUnclosedQuote', () => {
  it('names the line where a never-closed quote opens', async () => {
    expect(await findUnclosedQuote(new Blob(['a,b\n1,"ok"\n2,"never closed\n3,4\n']))).toBe(3);
    expect(await findUnclosedQuote(new Blob(['a,b\n1,"multi\nline"\n']))).toBeUndefined();
    expect(await findUnclosedQuote(new Blob(['a,"say ""hi"""\n']))).toBeUndefined();
  });
});
