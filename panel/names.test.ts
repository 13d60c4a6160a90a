import { describe, expect, it, test } from 'vitest';
import { entryNameProblem, hasDeceptiveCharacters, keepBothName, spelledOut } from './names';

test('flags names whose shown text can differ from what they are', () => {
  for (const name of ['evil\u202Egnp.parquet', 'line1\nline2.parquet', 'zero\u200Bwidth', 'tab\there', '\uFEFFbom', 'iso\u2066late\u2069', 'nul\u0000']) {
    expect(hasDeceptiveCharacters(name), JSON.stringify(name)).toBe(true);
  }
  for (const name of ['<img src=x onerror=alert(1)>.parquet', 'café.parquet', 'cafe\u0301.parquet', 'данные.parquet', 'データ.parquet', 'بيانات.parquet', '  spaced  ']) {
    expect(hasDeceptiveCharacters(name), JSON.stringify(name)).toBe(false);
  }
  // The regex is global: repeated calls must not depend on lastIndex.
  expect([1, 2, 3].map(() => hasDeceptiveCharacters('a\u202Eb'))).toEqual([true, true, true]);
});

test('spells deceptive characters out as code points, and leaves the rest', () => {
  expect(spelledOut('evil\u202Egnp.parquet')).toBe('evil⟨U+202E⟩gnp.parquet');
  expect(spelledOut('a\nb\u200Bc')).toBe('a⟨U+000A⟩b⟨U+200B⟩c');
  expect(spelledOut('<b>café</b>')).toBe('<b>café</b>');
});

describe('names for new entries', () => {
  it.each(['', '.', '..', 'a/b', 'a\\b', 'nul\0', '/'])('refuses %j before asking the browser', (name) => {
    expect(entryNameProblem(name)).not.toBeNull();
  });

  it.each(['a.txt', '.hidden', 'ünï code.json', '#100%', 'a..b', ' spaced ', 'x'.repeat(200)])('accepts %j', (name) => {
    expect(entryNameProblem(name)).toBeNull();
  });

  it.each([
    ['report.csv', [], 'report (1).csv'],
    ['report.csv', ['report (1).csv', 'report (2).csv'], 'report (3).csv'],
    ['archive.tar.gz', [], 'archive.tar (1).gz'],
    ['.env', [], '.env (1)'],
    ['README', ['README (1)'], 'README (2)'],
    ['data.parquet', ['data (1).parquet'], 'data (2).parquet'],
  ])('keeps both: %s next to %j becomes %s', (name, taken, expected) => {
    expect(keepBothName(name, (candidate) => [name, ...taken].includes(candidate))).toBe(expected);
  });
});
