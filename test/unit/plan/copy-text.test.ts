/** escapeCopyText(): COPY text format escaping, against a character-by-character reference. */
import { describe, expect, it } from 'vitest';
import { COPY_NULL, copyLine, escapeCopyText } from '../../../src/plan/copy-text.js';

/** The rule of https://www.postgresql.org/docs/current/sql-copy.html (text format), one character at a time. */
function reference(s: string): string {
  let out = '';
  for (const ch of s) out += ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch;
  return out;
}

describe('escapeCopyText', () => {
  it('escapes each of the four characters wherever it stands, and nothing else', () => {
    for (const special of ['\\', '\t', '\n', '\r']) {
      for (const s of [special, `a${special}`, `${special}b`, `a${special}b${special}`, `é${special}😀`]) expect(escapeCopyText(s)).toBe(reference(s));
    }
    expect(escapeCopyText('')).toBe('');
    expect(escapeCopyText('{"a": "é\\u0041", "b": [1, 2]}')).toBe('{"a": "é\\\\u0041", "b": [1, 2]}');
    expect(escapeCopyText(null)).toBe(COPY_NULL);
    expect(copyLine(['a\tb', null, ''])).toBe('a\\tb\t\\N\t\n');
  });

  it('matches the reference on random strings, one-byte and two-byte', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = ['a', ' ', '\\', '\t', '\n', '\r', 'N', '"', 'é', '\u2028', '😀', '\u0000', '\u000b'];
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const len = rand(12);
      // Half the strings from ASCII only (one-byte strings in V8), half from all of the alphabet.
      for (let k = 0; k < len; k++) s += alphabet[rand(i % 2 === 0 ? 8 : alphabet.length)]!;
      expect(escapeCopyText(s)).toBe(reference(s));
    }
  });
});
