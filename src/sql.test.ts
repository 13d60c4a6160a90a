import { describe, expect, it } from 'vitest';
import { integerLiteral, quoteIdent, quoteLiteral } from './sql';

describe('SQL quoting', () => {
  it('quotes identifiers, doubling embedded quotes', () => {
    expect(quoteIdent('orders')).toBe('"orders"');
    expect(quoteIdent('a "b"; DROP TABLE x; --')).toBe('"a ""b""; DROP TABLE x; --"');
    expect(quoteIdent('select')).toBe('"select"');
    expect(() => quoteIdent('')).toThrow();
    expect(() => quoteIdent('a\u0000b')).toThrow();
  });

  it('quotes string literals, doubling embedded quotes', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral("'); DROP TABLE x; --")).toBe("'''); DROP TABLE x; --'");
    expect(() => quoteLiteral('\u0000')).toThrow();
  });

  it('only lets safe integers through as numbers', () => {
    expect(integerLiteral(250_000)).toBe('250000');
    expect(() => integerLiteral(1.5)).toThrow();
    expect(() => integerLiteral(Number.NaN)).toThrow();
    expect(() => integerLiteral(2 ** 60)).toThrow();
  });
});
