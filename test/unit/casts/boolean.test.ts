import { describe, expect, it } from 'vitest';
import { CastFailure, toBoolean } from '../../../src/plan/casts/index.js';

describe('toBoolean', () => {
  it('maps 0/1 of either numeric storage class', () => {
    expect(toBoolean(0n)).toBe('f');
    expect(toBoolean(1n)).toBe('t');
    expect(toBoolean(0)).toBe('f');
    expect(toBoolean(1)).toBe('t');
    expect(toBoolean(-0)).toBe('f');
  });

  it('maps the six texts in any case', () => {
    expect(['0', 'f', 'F', 'false', 'FALSE', 'False'].map(toBoolean)).toEqual(['f', 'f', 'f', 'f', 'f', 'f']);
    expect(['1', 't', 'T', 'true', 'TRUE', 'tRuE'].map(toBoolean)).toEqual(['t', 't', 't', 't', 't', 't']);
  });

  it('refuses everything else, naming the value', () => {
    expect(toBoolean(2n)).toEqual(new CastFailure('INTEGER 2 is not a boolean (expected 0, 1, t, f, true or false)'));
    expect(toBoolean(0.5)).toEqual(new CastFailure('REAL 0.5 is not a boolean (expected 0, 1, t, f, true or false)'));
    expect(toBoolean('yes')).toEqual(new CastFailure('TEXT "yes" is not a boolean (expected 0, 1, t, f, true or false)'));
    expect(toBoolean(' true')).toBeInstanceOf(CastFailure);
    expect(toBoolean('true ')).toBeInstanceOf(CastFailure);
    expect(toBoolean('')).toBeInstanceOf(CastFailure);
    expect(toBoolean(-1n)).toBeInstanceOf(CastFailure);
    expect(toBoolean(Buffer.from([1]))).toEqual(new CastFailure('BLOB (1 bytes) is not a boolean (expected 0, 1, t, f, true or false)'));
    expect(toBoolean(null)).toBeNull();
  });
});
