import { describe, expect, it } from 'vitest';
import { CastFailure, toUuid } from '../../../src/plan/casts/index.js';

const canonical = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';

describe('toUuid', () => {
  it('normalises the hyphenated, plain and braced forms to lower-case hyphenated', () => {
    expect(toUuid('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(canonical);
    expect(toUuid(canonical)).toBe(canonical);
    expect(toUuid('a0eebc999c0b4ef8bb6d6bb9bd380a11')).toBe(canonical);
    expect(toUuid('{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}')).toBe(canonical);
    expect(toUuid('{A0EEBC999C0B4EF8BB6D6BB9BD380A11}')).toBe(canonical);
  });

  it('reads a 16-byte BLOB', () => {
    expect(toUuid(Buffer.from('a0eebc999c0b4ef8bb6d6bb9bd380a11', 'hex'))).toBe(canonical);
    expect(toUuid(Buffer.alloc(15))).toEqual(new CastFailure('BLOB (15 bytes) is not a UUID: a binary UUID has exactly 16 bytes'));
  });

  it('refuses other spellings', () => {
    expect(toUuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1')).toEqual(
      new CastFailure('TEXT "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1" is not a UUID'),
    );
    expect(toUuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ')).toBeInstanceOf(CastFailure);
    expect(toUuid('{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).toBeInstanceOf(CastFailure);
    expect(toUuid('a0eebc999c0b-4ef8-bb6d-6bb9bd380a11')).toBeInstanceOf(CastFailure);
    expect(toUuid('g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).toBeInstanceOf(CastFailure);
    expect(toUuid(1n)).toEqual(new CastFailure('INTEGER 1 is not a UUID'));
    expect(toUuid(null)).toBeNull();
  });
});
