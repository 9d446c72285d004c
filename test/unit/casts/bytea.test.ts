import { describe, expect, it } from 'vitest';
import { CastFailure, blobToBytea, hexToBytea, textBytesToBytea } from '../../../src/plan/casts/index.js';

describe('blobToBytea', () => {
  it('writes bytea hex format in lower case', () => {
    expect(blobToBytea(Buffer.from([0x00, 0xde, 0xad, 0xbe, 0xef, 0x0a]))).toBe('\\x00deadbeef0a');
    expect(blobToBytea(Buffer.alloc(0))).toBe('\\x');
    expect(blobToBytea(null)).toBeNull();
  });

  it('refuses text and numbers in a BLOB column', () => {
    expect(blobToBytea('abc')).toEqual(
      new CastFailure('TEXT value in a BLOB column: TEXT "abc" (map it as hex-bytea if it holds hex digits, or as text-bytes to keep the text\'s bytes)'),
    );
    expect(blobToBytea(7n)).toEqual(
      new CastFailure('INTEGER value in a BLOB column: INTEGER 7 (map the column as text or a number if it holds numbers)'),
    );
    expect(blobToBytea(1.5)).toBeInstanceOf(CastFailure);
  });
});

describe('hexToBytea', () => {
  it('reads even-length hex with or without a prefix, in any case', () => {
    expect(hexToBytea('DEADbeef')).toBe('\\xdeadbeef');
    expect(hexToBytea('\\xDEAD')).toBe('\\xdead');
    expect(hexToBytea('0xC0FFEE')).toBe('\\xc0ffee');
    expect(hexToBytea('0X00')).toBe('\\x00');
    expect(hexToBytea('')).toBe('\\x');
    expect(hexToBytea(Buffer.from([1, 2]))).toBe('\\x0102');
    expect(hexToBytea(null)).toBeNull();
  });

  it('refuses odd length, non-hex characters and numbers', () => {
    expect(hexToBytea('abc')).toEqual(new CastFailure('TEXT "abc" has an odd number of hex digits'));
    expect(hexToBytea('0xabc')).toBeInstanceOf(CastFailure);
    expect(hexToBytea('zz')).toEqual(new CastFailure('TEXT "zz" is not hex text'));
    expect(hexToBytea('de ad')).toBeInstanceOf(CastFailure);
    expect(hexToBytea('x00')).toBeInstanceOf(CastFailure);
    expect(hexToBytea(255n)).toEqual(new CastFailure('INTEGER 255 in a hex-bytea column: expected hex text'));
  });
});

describe('textBytesToBytea', () => {
  it('keeps the stored bytes (the reader selects TEXT as CAST(col AS BLOB)), valid UTF-8 or not', () => {
    expect(textBytesToBytea(Buffer.from([0x41, 0xff, 0x42]))).toBe('\\x41ff42');
    expect(textBytesToBytea(null)).toBeNull();
  });

  it('refuses numbers, which have no stored bytes, and decoded text', () => {
    expect(textBytesToBytea(7n)).toEqual(new CastFailure('INTEGER value in a text-bytes column: INTEGER 7 (it has no stored bytes; map the column as text)'));
    expect(textBytesToBytea('abc')).toBeInstanceOf(CastFailure);
  });
});
