import { describe, expect, it } from 'vitest';
import type { ColumnCast } from '../../../src/model/plan.js';
import { canonicalizer } from '../../../src/encode/canonical.js';
import { compareKeys, diffWindow, displayCanonical } from '../../../src/verify/pinpoint.js';

const cast = {
  text: { kind: 'text' },
  int64: { kind: 'integer', bits: 64 },
  float8: { kind: 'float8' },
  numeric: { kind: 'numeric', precision: null, scale: null },
  timestamptz: { kind: 'datetime', target: 'timestamptz', format: 'iso8601', timeZone: 'UTC' },
  timestamp: { kind: 'datetime', target: 'timestamp', format: 'iso8601', timeZone: 'UTC' },
  date: { kind: 'datetime', target: 'date', format: 'iso8601', timeZone: 'UTC' },
} satisfies Record<string, ColumnCast>;

/** Canonical key texts, sorted with compareKeys as the merge walk sees them. */
function sorted(c: ColumnCast, canon: readonly string[]): string[] {
  return [...canon].sort((a, b) => compareKeys([a], [b], [c]));
}

describe('compareKeys orders canonical keys as PostgreSQL orders the values', () => {
  it('float8 by value, not by bits: negatives first, -0 equal to 0, NaN last', () => {
    const f = canonicalizer(cast.float8);
    const values = ['3', '-2.5', 'NaN', '0.25', '-Infinity', '-1', 'Infinity', '5e-324'];
    expect(sorted(cast.float8, values.map(f))).toEqual(['-Infinity', '-2.5', '-1', '5e-324', '0.25', '3', 'Infinity', 'NaN'].map(f));
    expect(compareKeys([f('-0')], [f('0')], [cast.float8])).toBe(0);
  });

  it('numeric exactly, beyond double precision', () => {
    expect(sorted(cast.numeric, ['12345678901234567890.2', '12345678901234567890.1', '-0.5', '-10', '0.45', 'NaN', '9', 'Infinity', '-Infinity', '0'])).toEqual([
      '-Infinity',
      '-10',
      '-0.5',
      '0',
      '0.45',
      '9',
      '12345678901234567890.1',
      '12345678901234567890.2',
      'Infinity',
      'NaN',
    ]);
  });

  it('integers and epoch microseconds numerically, ±Infinity at the ends', () => {
    expect(sorted(cast.int64, ['10', '-9223372036854775808', '9', '-1'])).toEqual(['-9223372036854775808', '-1', '9', '10']);
    expect(sorted(cast.timestamptz, ['Infinity', '1', '-1000000', '-Infinity', '100'])).toEqual(['-Infinity', '-1000000', '1', '100', 'Infinity']);
  });

  it('dates in date order: BC before AD, five-digit years after four, ±infinity at the ends', () => {
    expect(sorted(cast.date, ['20240-01-01', 'infinity', '0001-01-01', '0002-12-31 BC', '9999-12-31', '0001-06-01 BC', '-infinity'])).toEqual([
      '-infinity',
      '0002-12-31 BC',
      '0001-06-01 BC',
      '0001-01-01',
      '9999-12-31',
      '20240-01-01',
      'infinity',
    ]);
  });

  it('text by UTF-8 bytes (COLLATE "C")', () => {
    expect(sorted(cast.text, ['apple', 'Banana', 'é', 'z'])).toEqual(['Banana', 'apple', 'z', 'é']);
  });
});

describe('displayCanonical', () => {
  it('shows float8 bits as the number and epoch microseconds as UTC date-time text', () => {
    expect(displayCanonical(cast.float8, canonicalizer(cast.float8)('0.10000000000000002'))).toBe('0.10000000000000002');
    expect(displayCanonical(cast.float8, canonicalizer(cast.float8)('-0'))).toBe('-0');
    expect(displayCanonical(cast.timestamptz, '-1')).toBe('1969-12-31 23:59:59.999999+00');
    expect(displayCanonical(cast.timestamp, '1711852200000001')).toBe('2024-03-31 02:30:00.000001');
    expect(displayCanonical(cast.timestamptz, 'Infinity')).toBe('Infinity');
    expect(displayCanonical(cast.date, '0044-03-15 BC')).toBe('0044-03-15 BC');
  });
});

describe('diffWindow', () => {
  it('keeps short values whole, and cuts long ones around the first difference', () => {
    expect(diffWindow('6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fa')).toEqual([
      '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
      '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fa',
    ]);
    const long = 'x'.repeat(200);
    const [a, b] = diffWindow(long + 'a', long + 'b');
    expect(a).toBe(`…${'x'.repeat(20)}a (201 chars)`);
    expect(b).toBe(`…${'x'.repeat(20)}b (201 chars)`);
  });
});
