import { describe, expect, it } from 'vitest';
import type { ColumnCast } from '../../../src/model/plan.js';
import { CastFailure, converterFor } from '../../../src/plan/casts/index.js';

describe('converterFor', () => {
  it('dispatches on cast.kind and keeps NULL as null for every kind', () => {
    const cases: readonly [ColumnCast, unknown, string][] = [
      [{ kind: 'text' }, 12n, '12'],
      [{ kind: 'integer', bits: 16 }, '0042', '42'],
      [{ kind: 'float8' }, 1.5, '1.5'],
      [{ kind: 'numeric', precision: 5, scale: 2 }, '10.99', '10.99'],
      [{ kind: 'boolean' }, 1n, 't'],
      [{ kind: 'bytea', from: 'blob' }, Buffer.from([0xab]), '\\xab'],
      [{ kind: 'bytea', from: 'hex' }, 'AB', '\\xab'],
      [{ kind: 'json', target: 'jsonb' }, '{"a":1}', '{"a":1}'],
      [{ kind: 'datetime', target: 'timestamptz', format: 'unixepoch-ms', timeZone: 'UTC' }, 0n, '1970-01-01 00:00:00.000000+00'],
      [{ kind: 'uuid' }, 'A0EEBC999C0B4EF8BB6D6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ];
    for (const [cast, input, output] of cases) {
      const convert = converterFor(cast, { nul: 'quarantine' });
      expect(convert(input as never)).toBe(output);
      expect(convert(null)).toBeNull();
    }
  });

  it('keeps the integer width of the cast', () => {
    expect(converterFor({ kind: 'integer', bits: 16 }, { nul: 'quarantine' })(40000n)).toBeInstanceOf(CastFailure);
    expect(converterFor({ kind: 'integer', bits: 32 }, { nul: 'quarantine' })(40000n)).toBe('40000');
  });

  it('chooses blob or hex input for bytea', () => {
    expect(converterFor({ kind: 'bytea', from: 'blob' }, { nul: 'quarantine' })('ab')).toBeInstanceOf(CastFailure);
  });
});
