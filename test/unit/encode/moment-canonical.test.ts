/**
 * The loader takes a timestamp's canonical form from the moment its converter wrote
 * (MomentConverter.lastMoment) instead of parsing the written text back: both must give the same
 * text for every value, every format and zone, or the checksum would differ from PostgreSQL's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CastFailure, converterFor, type MomentConverter } from '../../../src/plan/casts/index.js';
import { canonicalizer, momentCanonical } from '../../../src/encode/canonical.js';
import type { ColumnCast, DateFormat } from '../../../src/model/plan.js';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham', 'Australia/Lord_Howe'];
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** Datetime texts, epochs and julian days across years 0001–9999 and a little beyond (failures are skipped). */
const textValue = fc
  .record({ y: fc.integer({ min: 1, max: 9999 }), mo: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }), h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }), us: fc.option(fc.integer({ min: 0, max: 999_999 })), z: fc.option(fc.constantFrom('Z', '+05:30', '-08:00', '+00:00', '-00:45')) })
  .map(({ y, mo, d, h, mi, s, us, z }) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${us === null ? '' : '.' + pad(us, 6)}${z ?? ''}`);
const epochValue = fc.oneof(fc.bigInt({ min: -62_135_596_800_000_000n, max: 253_402_300_799_999_999n }), fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }), fc.double({ min: -6e10, max: 2.5e11, noNaN: true }));
const julianValue = fc.double({ min: 1721425.5, max: 5373484.4, noNaN: true });

function check(cast: Extract<ColumnCast, { kind: 'datetime' }>, values: fc.Arbitrary<unknown>): void {
  const convert = converterFor(cast, { nul: 'quarantine' }) as MomentConverter;
  const fromText = canonicalizer(cast);
  expect(convert.lastMoment).toBeDefined();
  let converted = 0;
  fc.assert(
    fc.property(values, (v) => {
      const out = convert(v as never);
      if (out === null || out instanceof CastFailure) return;
      converted++;
      expect(momentCanonical(convert.lastMoment)).toBe(fromText(out));
    }),
    { numRuns: 1000 },
  );
  // Enough values convert (the rest fail as they should: 31 February, zone gaps, offsets a format refuses).
  expect(converted).toBeGreaterThan(60);
}

describe('momentCanonical(lastMoment) = canonicalizer(cast)(text written)', () => {
  for (const target of ['timestamptz', 'timestamp'] as const) {
    for (const timeZone of ZONES) {
      for (const [format, values] of [
        ['sqlite-datetime', textValue],
        ['iso8601', textValue.map((t) => t.replace(' ', 'T'))],
        ['unixepoch-s', epochValue],
        ['unixepoch-ms', epochValue],
        ['unixepoch-us', epochValue],
        ['julianday', julianValue],
        [{ pattern: 'DD/MM/YYYY HH:mm:ss' }, textValue.map((t) => `${t.slice(8, 10)}/${t.slice(5, 7)}/${t.slice(0, 4)} ${t.slice(11, 19)}`)],
      ] as const) {
        it(`${target}, ${typeof format === 'string' ? format : format.pattern}, ${timeZone}`, () => check({ kind: 'datetime', target, format: format as DateFormat, timeZone }, values));
      }
    }
  }

  it('a date converter has no moment (its canonical form is its text)', () => {
    expect((converterFor({ kind: 'datetime', target: 'date', format: 'sqlite-datetime', timeZone: 'UTC' }, { nul: 'quarantine' }) as Partial<MomentConverter>).lastMoment).toBeUndefined();
  });
});
