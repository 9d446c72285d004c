import { describe, expect, it } from 'vitest';
import { CastFailure, converterFor, toJson } from '../../../src/plan/casts/index.js';

describe('toJson', () => {
  it('passes text through unchanged (validity is checked elsewhere)', () => {
    expect(toJson('{"a": [1, 2.50, "🎉"]}', 'quarantine')).toBe('{"a": [1, 2.50, "🎉"]}');
    expect(toJson('not json', 'quarantine')).toBe('not json');
    expect(toJson('"\\u0000"', 'quarantine')).toBe('"\\u0000"');
  });

  it('writes numbers as JSON numbers', () => {
    expect(toJson(9223372036854775807n, 'quarantine')).toBe('9223372036854775807');
    expect(toJson(0.1 + 0.2, 'quarantine')).toBe('0.30000000000000004');
    expect(toJson(1e21, 'quarantine')).toBe('1e+21');
    expect(toJson(-0, 'quarantine')).toBe('-0');
  });

  it('refuses non-finite numbers and BLOBs, keeps NULL', () => {
    expect(toJson(Infinity, 'quarantine')).toEqual(new CastFailure('REAL Infinity has no JSON representation'));
    expect(toJson(NaN, 'quarantine')).toBeInstanceOf(CastFailure);
    expect(toJson(Buffer.from('{}'), 'quarantine')).toEqual(new CastFailure('BLOB value in a JSON column (2 bytes)'));
    expect(toJson(null, 'quarantine')).toBeNull();
  });

  it('applies the NUL policy to a raw U+0000', () => {
    expect(toJson('{"a":1}\0', 'strip')).toBe('{"a":1}');
    expect(toJson('{"a":1}\0', 'quarantine')).toBeInstanceOf(CastFailure);
    expect(converterFor({ kind: 'json', target: 'jsonb' }, { nul: 'fail' })('\0')).toBeInstanceOf(CastFailure);
  });
});
