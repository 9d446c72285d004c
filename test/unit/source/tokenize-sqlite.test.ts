import { describe, expect, test } from 'vitest';
import { SourceError } from '../../../src/errors.js';
import { foldIdentifier, tokenizeSqlite } from '../../../src/source/sqlite-sql/tokenize-sqlite.js';

/** kind:value pairs, the compact form of a token list. */
function kinds(sql: string): string[] {
  return tokenizeSqlite(sql).map((t) => `${t.kind}:${t.value}`);
}

describe('tokenizeSqlite', () => {
  test('identifiers in every quoting style, with doubled quotes undone', () => {
    expect(kinds('a "b""c" [d e] `f``g` _h$1 ünï')).toEqual(['word:a', 'quoted:b"c', 'quoted:d e', 'quoted:f`g', 'word:_h$1', 'word:ünï']);
    expect(tokenizeSqlite('"x" [y] `z`').map((t) => t.quote)).toEqual(['"', '[', '`']);
  });

  test('a bracket identifier has no escape and ends at the first ]', () => {
    expect(kinds('[a"b\'c]')).toEqual(['quoted:a"b\'c']);
  });

  test('string and blob literals', () => {
    expect(kinds("'it''s' x'AbCd' X''")).toEqual(["string:it's", 'blob:abcd', 'blob:']);
  });

  test('a word starting with x is not a blob', () => {
    expect(kinds("xy 'z'")).toEqual(['word:xy', 'string:z']);
  });

  test('numbers: integers, decimals, exponents, hex, digit separators', () => {
    expect(kinds('12 1.5 .5 1. 1e3 2.5E-2 0x1F 1_000')).toEqual(['number:12', 'number:1.5', 'number:.5', 'number:1.', 'number:1e3', 'number:2.5E-2', 'number:0x1F', 'number:1000']);
  });

  test('operators, longest first', () => {
    expect(kinds('a||b==c!=d<>e<=f>=g<<h>>i->j->>k')).toEqual([
      'word:a', 'operator:||', 'word:b', 'operator:==', 'word:c', 'operator:!=', 'word:d', 'operator:<>', 'word:e', 'operator:<=', 'word:f',
      'operator:>=', 'word:g', 'operator:<<', 'word:h', 'operator:>>', 'word:i', 'operator:->', 'word:j', 'operator:->>', 'word:k',
    ]);
  });

  test('punctuation and variables', () => {
    expect(kinds('f(a, b.c); ? ?2 :n @m $v')).toEqual([
      'word:f', 'punct:(', 'word:a', 'punct:,', 'word:b', 'punct:.', 'word:c', 'punct:)', 'punct:;', 'variable:?', 'variable:?2', 'variable::n', 'variable:@m', 'variable:$v',
    ]);
  });

  test('comments are skipped, including comment markers inside strings are not', () => {
    expect(kinds("a -- line, with comma\n/* block ( */ b '--not' '/*not*/' /* unterminated")).toEqual(['word:a', 'word:b', 'string:--not', 'string:/*not*/']);
  });

  test('a minus before a number is an operator, -- is a comment', () => {
    expect(kinds('- 1 --1')).toEqual(['operator:-', 'number:1']);
  });

  test('tokens keep their exact source text and offsets', () => {
    const [t] = tokenizeSqlite('  "a""b"');
    expect(t).toEqual({ kind: 'quoted', text: '"a""b"', value: 'a"b', quote: '"', start: 2, end: 8 });
  });

  test.each([
    ["'open", 'unterminated string literal'],
    ['"open', 'unterminated quoted identifier'],
    ['[open', 'unterminated [identifier]'],
    ["x'ABC'", 'malformed blob literal'],
    ["x'GG'", 'malformed blob literal'],
    ['12abc', 'malformed number'],
    ['a ! b', 'unexpected character "!"'],
  ])('%s is rejected: %s', (sql, what) => {
    expect(() => tokenizeSqlite(sql)).toThrow(SourceError);
    expect(() => tokenizeSqlite(sql)).toThrow(what);
  });

  test('foldIdentifier folds ASCII letters only, as SQLite compares names', () => {
    expect(foldIdentifier('OrderID')).toBe('orderid');
    expect(foldIdentifier('ÄÖÜ')).toBe('ÄÖÜ');
  });
});
