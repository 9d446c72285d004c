import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeZone } from '../../../src/plan/casts/index.js';

/** An independent oracle: Intl's own "GMT+05:45" rendering of the offset. */
function oracleOffset(zone: string, utcSecond: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(utcSecond * 1000)
    .find((p) => p.type === 'timeZoneName')!.value;
  const m = /^GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(name);
  if (m === null) throw new Error(`unexpected offset ${name}`);
  if (m[1] === undefined) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -seconds : seconds;
}

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Adelaide',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'America/Sao_Paulo',
  'Europe/Dublin',
  'Pacific/Chatham',
  'America/St_Johns',
];
const FROM = Date.UTC(1900, 0, 1) / 1000;
const TO = Date.UTC(2100, 0, 1) / 1000;

describe('TimeZone', () => {
  it('finds the exact transition second', () => {
    const berlin = TimeZone.load('Europe/Berlin');
    const springUtc = Date.UTC(2024, 2, 31, 1) / 1000;
    expect(berlin.offsetAt(springUtc - 1)).toBe(3600);
    expect(berlin.offsetAt(springUtc)).toBe(7200);
    const adelaide = TimeZone.load('Australia/Adelaide');
    const autumnUtc = Date.UTC(2024, 3, 6, 16, 30) / 1000;
    expect(adelaide.offsetAt(autumnUtc - 1)).toBe(37800);
    expect(adelaide.offsetAt(autumnUtc)).toBe(34200);
  });

  it('keeps offsets with seconds (local mean time before standard time)', () => {
    expect(TimeZone.load('Europe/Berlin').offsetAt(Date.UTC(1850, 0, 1) / 1000)).toBe(3208);
  });

  it('treats UTC aliases as UTC without consulting Intl', () => {
    for (const name of ['UTC', 'Etc/UTC', 'GMT', 'utc']) {
      const z = TimeZone.load(name);
      expect(z.isUtc).toBe(true);
      expect(z.offsetAt(1e9)).toBe(0);
      expect(z.instantFor(1e9)).toBe(1e9);
    }
    expect(TimeZone.load('Europe/London').isUtc).toBe(false);
  });

  it('agrees with Intl at random instants, cache and all (property)', () => {
    for (const zone of ZONES) {
      const tz = TimeZone.load(zone);
      fc.assert(
        fc.property(fc.integer({ min: FROM, max: TO }), (t) => {
          expect(tz.offsetAt(t)).toBe(oracleOffset(zone, t));
        }),
        { numRuns: 200 },
      );
    }
  });

  it('maps every wall time that happened back to an instant showing it, the earliest one (property)', () => {
    for (const zone of ZONES) {
      const tz = TimeZone.load(zone);
      fc.assert(
        fc.property(fc.integer({ min: FROM, max: TO }), (t) => {
          const wall = t + tz.offsetAt(t);
          const back = tz.instantFor(wall);
          expect(back + tz.offsetAt(back)).toBe(wall);
          expect(back <= t).toBe(true);
        }),
        { numRuns: 200 },
      );
    }
  });
});
