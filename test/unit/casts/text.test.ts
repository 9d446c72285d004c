import { describe, expect, it } from 'vitest';
import { CastFailure, converterFor, toText } from '../../../src/plan/casts/index.js';

describe('toText', () => {
  it('passes text through unchanged, including non-BMP characters and trailing spaces', () => {
    expect(toText('héllo 🎉 𝄞 ', 'quarantine')).toBe('héllo 🎉 𝄞 ');
    expect(toText('', 'quarantine')).toBe('');
    expect(toText('tab\there\nline\\', 'quarantine')).toBe('tab\there\nline\\');
  });

  it('writes INTEGER as decimal and REAL as its shortest round-trip text', () => {
    expect(toText(9223372036854775807n, 'quarantine')).toBe('9223372036854775807');
    expect(toText(-9223372036854775808n, 'quarantine')).toBe('-9223372036854775808');
    expect(toText(0.1 + 0.2, 'quarantine')).toBe('0.30000000000000004');
    expect(toText(-0, 'quarantine')).toBe('-0');
    expect(toText(0, 'quarantine')).toBe('0');
    expect(toText(Infinity, 'quarantine')).toBe('Infinity');
    expect(toText(-Infinity, 'quarantine')).toBe('-Infinity');
    expect(toText(1e21, 'quarantine')).toBe('1e+21');
  });

  it('keeps NULL as null', () => {
    expect(toText(null, 'strip')).toBeNull();
  });

  it('refuses a BLOB', () => {
    expect(toText(Buffer.from([0xff, 0x00]), 'strip')).toEqual(
      new CastFailure('BLOB value in a text column (2 bytes): map the column as bytea'),
    );
  });

  describe('NUL policy', () => {
    it('quarantine: fails, naming the policy that would allow it', () => {
      expect(toText('a\0b', 'quarantine')).toEqual(
        new CastFailure(
          'TEXT "a\\u0000b" contains a NUL character (U+0000), which PostgreSQL text cannot store; ' +
            'the column\'s policy is nul: "quarantine", and nul: "strip" would remove it',
        ),
      );
    });

    it('strip: removes every NUL and nothing else', () => {
      expect(toText('\0a\0\0b 🎉\0', 'strip')).toBe('ab 🎉');
    });

    it('fail: is a failure too (the caller aborts the load)', () => {
      expect(toText('\0\0', 'fail')).toEqual(
        new CastFailure(
          'TEXT "\\u0000\\u0000" contains 2 NUL characters (U+0000), which PostgreSQL text cannot store; ' +
            'the column\'s policy is nul: "fail", and nul: "strip" would remove them',
        ),
      );
    });

    it('is applied by converterFor from the column options', () => {
      expect(converterFor({ kind: 'text' }, { nul: 'strip' })('x\0y')).toBe('xy');
      expect(converterFor({ kind: 'text' }, { nul: 'quarantine' })('x\0y')).toBeInstanceOf(CastFailure);
    });
  });

  it('shortens a long value in the reason without splitting an emoji', () => {
    const long = '🎉'.repeat(100) + '\0';
    const result = toText(long, 'quarantine');
    expect(result).toBeInstanceOf(CastFailure);
    expect((result as CastFailure).reason.startsWith(`TEXT "${'🎉'.repeat(60)}…" contains a NUL character`)).toBe(true);
  });
});
