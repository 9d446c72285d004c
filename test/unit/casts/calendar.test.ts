import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SECOND, MIN_SECOND, civilFromDays, daysFromCivil, formatDateTime } from '../../../src/plan/casts/calendar.js';

describe('calendar', () => {
  it('has the documented range edges', () => {
    expect(MIN_SECOND).toBe(-62135596800);
    expect(MAX_SECOND).toBe(253402300799);
    expect(formatDateTime(MIN_SECOND, 0)).toBe('0001-01-01 00:00:00.000000');
    expect(formatDateTime(MAX_SECOND, 999999)).toBe('9999-12-31 23:59:59.999999');
    expect(formatDateTime(MIN_SECOND - 1, 0)).toBeNull();
    expect(formatDateTime(MAX_SECOND + 1, 0)).toBeNull();
  });

  it('agrees with Date.UTC on every day of years 0001–9999 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: daysFromCivil(1, 1, 1), max: daysFromCivil(9999, 12, 31) }), (days) => {
        const iso = new Date(days * 86400000).toISOString();
        const ymd = civilFromDays(days);
        expect(ymd).toBe(Number(iso.slice(0, 4)) * 10000 + Number(iso.slice(5, 7)) * 100 + Number(iso.slice(8, 10)));
        const year = Math.floor(ymd / 10000);
        expect(daysFromCivil(year, Math.floor(ymd / 100) % 100, ymd % 100)).toBe(days);
      }),
      { numRuns: 2000 },
    );
  });

  it('formats seconds and microseconds like Date (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_SECOND, max: MAX_SECOND }), fc.integer({ min: 0, max: 999999 }), (s, us) => {
        const iso = new Date(s * 1000).toISOString();
        expect(formatDateTime(s, us)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(us).padStart(6, '0')}`);
      }),
      { numRuns: 2000 },
    );
  });
});
