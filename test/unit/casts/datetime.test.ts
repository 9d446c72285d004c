import { describe, expect, it } from 'vitest';
import type { DateFormat } from '../../../src/model/plan.js';
import { CastFailure, converterFor, type Converter } from '../../../src/plan/casts/index.js';

function conv(target: 'timestamptz' | 'timestamp' | 'date', format: DateFormat, timeZone = 'UTC'): Converter {
  return converterFor({ kind: 'datetime', target, format, timeZone }, { nul: 'quarantine' });
}

describe('iso8601 → timestamptz (UTC)', () => {
  const c = conv('timestamptz', 'iso8601');

  it('writes UTC with six fraction digits and +00', () => {
    expect(c('2024-02-29')).toBe('2024-02-29 00:00:00.000000+00');
    expect(c('2024-02-29T13:45')).toBe('2024-02-29 13:45:00.000000+00');
    expect(c('2024-02-29 13:45:07')).toBe('2024-02-29 13:45:07.000000+00');
    expect(c('2024-02-29T13:45:07.5Z')).toBe('2024-02-29 13:45:07.500000+00');
    expect(c('2024-02-29t13:45:07.123456z')).toBe('2024-02-29 13:45:07.123456+00');
    expect(c('2024-02-29T13:45:07.123456000')).toBe('2024-02-29 13:45:07.123456+00');
    expect(c(null)).toBeNull();
  });

  it('applies every offset spelling', () => {
    expect(c('2024-06-01T12:00:00+02:00')).toBe('2024-06-01 10:00:00.000000+00');
    expect(c('2024-06-01T12:00:00+0530')).toBe('2024-06-01 06:30:00.000000+00');
    expect(c('2024-06-01T12:00-03')).toBe('2024-06-01 15:00:00.000000+00');
    expect(c('2024-01-01T00:30:00+01:00')).toBe('2023-12-31 23:30:00.000000+00');
    expect(c('2024-06-01T12:00:00-00:00')).toBe('2024-06-01 12:00:00.000000+00');
  });

  it('accepts real dates only: leap days in leap years, nothing rolled over', () => {
    expect(c('2000-02-29')).toBe('2000-02-29 00:00:00.000000+00');
    expect(c('2023-02-29')).toEqual(new CastFailure('TEXT "2023-02-29" is not a real date: February 2023 has 28 days'));
    expect(c('1900-02-29')).toEqual(new CastFailure('TEXT "1900-02-29" is not a real date: February 1900 has 28 days'));
    expect(c('2024-02-30')).toEqual(new CastFailure('TEXT "2024-02-30" is not a real date: February 2024 has 29 days'));
    expect(c('2024-04-31T10:00')).toEqual(new CastFailure('TEXT "2024-04-31T10:00" is not a real date: April 2024 has 30 days'));
    expect(c('2024-13-01')).toEqual(new CastFailure('TEXT "2024-13-01" is not a real date: there is no month 13'));
    expect(c('2024-00-10')).toBeInstanceOf(CastFailure);
    expect(c('2024-01-00')).toBeInstanceOf(CastFailure);
  });

  it('refuses leap seconds, hour 24 and other impossible times', () => {
    expect(c('2016-12-31T23:59:60Z')).toEqual(
      new CastFailure('TEXT "2016-12-31T23:59:60Z" is a leap second (:60), which PostgreSQL would roll over into the next minute'),
    );
    expect(c('2024-01-01T24:00')).toEqual(new CastFailure('TEXT "2024-01-01T24:00" is not a real time: hour 24'));
    expect(c('2024-01-01T10:60')).toEqual(new CastFailure('TEXT "2024-01-01T10:60" is not a real time: minute 60'));
    expect(c('2024-01-01T10:00:61')).toBeInstanceOf(CastFailure);
  });

  it('refuses fraction digits that PostgreSQL would round', () => {
    expect(c('2024-01-01T10:00:00.1234567')).toEqual(
      new CastFailure('TEXT "2024-01-01T10:00:00.1234567" has non-zero digits beyond microseconds: PostgreSQL would round them'),
    );
    expect(c('2024-01-01T10:00:00.0000000001')).toBeInstanceOf(CastFailure); // 10 digits: beyond the syntax
  });

  it('keeps years within 0001–9999', () => {
    expect(c('0001-01-01')).toBe('0001-01-01 00:00:00.000000+00');
    expect(c('9999-12-31T23:59:59.999999Z')).toBe('9999-12-31 23:59:59.999999+00');
    expect(c('0000-06-01')).toEqual(new CastFailure('TEXT "0000-06-01" is outside years 0001–9999'));
    expect(c('0001-01-01T00:30:00+01:00')).toEqual(new CastFailure('TEXT "0001-01-01T00:30:00+01:00" is outside years 0001–9999'));
    expect(c('9999-12-31T23:00:00-01:00')).toBeInstanceOf(CastFailure);
  });

  it('refuses anything else', () => {
    const syntax = (s: string) =>
      new CastFailure(`TEXT ${JSON.stringify(s)} is not iso8601 text (expected YYYY-MM-DD[THH:MM[:SS[.fffffffff]]][Z|±HH:MM])`);
    for (const s of ['2024-1-01', '20240101', '2024-01-01T10', '2024-01-01T10:00:00Z ', ' 2024-01-01', '2024-01-01X10:00', '2024-01-01T10:00:00.', '2024-01-01Z', '2024-01-01T10:00+1', '2024-01-01T10:00+24:00', '+2024-01-01']) {
      expect(c(s)).toEqual(syntax(s));
    }
    expect(c(1704067200n)).toEqual(
      new CastFailure(
        'INTEGER value in a date column mapped as iso8601: INTEGER 1704067200 (if it is an epoch or a julian day, map the column with that format)',
      ),
    );
    expect(c(Buffer.from('2024-01-01'))).toEqual(new CastFailure('BLOB value in a date column mapped as iso8601: BLOB (10 bytes)'));
  });
});

describe('naive values in a zone with daylight saving', () => {
  const berlin = conv('timestamptz', 'sqlite-datetime', 'Europe/Berlin');
  const newYork = conv('timestamptz', 'sqlite-datetime', 'America/New_York');

  it('uses the offset in force: CET in winter, CEST in summer', () => {
    expect(berlin('2024-01-15 12:00:00')).toBe('2024-01-15 11:00:00.000000+00');
    expect(berlin('2024-07-01 12:00:00')).toBe('2024-07-01 10:00:00.000000+00');
    expect(newYork('2024-01-15 12:00:00')).toBe('2024-01-15 17:00:00.000000+00');
    expect(newYork('2024-07-01 12:00:00')).toBe('2024-07-01 16:00:00.000000+00');
  });

  it('gap: a wall time that never happened fails (never shifted)', () => {
    expect(berlin('2024-03-31 02:30:00')).toEqual(
      new CastFailure('TEXT "2024-03-31 02:30:00" did not exist in Europe/Berlin: the clocks skipped over it (a daylight-saving gap)'),
    );
    expect(berlin('2024-03-31 02:00:00')).toBeInstanceOf(CastFailure);
    expect(berlin('2024-03-31 01:59:59')).toBe('2024-03-31 00:59:59.000000+00');
    expect(berlin('2024-03-31 03:00:00')).toBe('2024-03-31 01:00:00.000000+00');
    expect(newYork('2024-03-10 02:30:00')).toEqual(
      new CastFailure('TEXT "2024-03-10 02:30:00" did not exist in America/New_York: the clocks skipped over it (a daylight-saving gap)'),
    );
    expect(newYork('2024-03-10 03:00:00')).toBe('2024-03-10 07:00:00.000000+00');
  });

  it('overlap: a wall time that happened twice is the earlier instant (daylight-saving offset)', () => {
    expect(berlin('2024-10-27 02:30:00')).toBe('2024-10-27 00:30:00.000000+00');
    expect(berlin('2024-10-27 02:00:00')).toBe('2024-10-27 00:00:00.000000+00');
    expect(berlin('2024-10-27 03:00:00')).toBe('2024-10-27 02:00:00.000000+00');
    expect(berlin('2024-10-27 01:59:59')).toBe('2024-10-26 23:59:59.000000+00');
    expect(newYork('2024-11-03 01:30:00')).toBe('2024-11-03 05:30:00.000000+00');
    expect(newYork('2024-11-03 02:30:00')).toBe('2024-11-03 07:30:00.000000+00');
  });

  it('a midnight that did not exist fails too (São Paulo started DST at 00:00)', () => {
    const saoPaulo = conv('timestamptz', 'iso8601', 'America/Sao_Paulo');
    expect(saoPaulo('2018-11-04')).toBeInstanceOf(CastFailure);
    expect(saoPaulo('2018-11-04T01:00')).toBe('2018-11-04 03:00:00.000000+00');
    expect(conv('date', 'iso8601', 'America/Sao_Paulo')('2018-11-04')).toBe('2018-11-04');
  });

  it('an explicit offset wins over the column zone', () => {
    const c = conv('timestamptz', 'iso8601', 'Europe/Berlin');
    expect(c('2024-03-31T02:30:00+01:00')).toBe('2024-03-31 01:30:00.000000+00');
    expect(c('2024-07-01T12:00:00Z')).toBe('2024-07-01 12:00:00.000000+00');
  });

  it('works for half-hour zones and zones far from UTC', () => {
    expect(conv('timestamptz', 'iso8601', 'Asia/Kolkata')('2024-01-01T05:30')).toBe('2024-01-01 00:00:00.000000+00');
    expect(conv('timestamptz', 'iso8601', 'Asia/Kathmandu')('2024-01-01T05:45')).toBe('2024-01-01 00:00:00.000000+00');
    expect(conv('timestamptz', 'iso8601', 'Pacific/Kiritimati')('2024-01-01T14:00')).toBe('2024-01-01 00:00:00.000000+00');
    // Adelaide (+10:30 → +09:30) leaves DST at 03:00 local, 16:30 UTC: not on a UTC hour.
    const adelaide = conv('timestamptz', 'iso8601', 'Australia/Adelaide');
    expect(adelaide('2024-04-07T02:45')).toBe('2024-04-06 16:15:00.000000+00');
    expect(adelaide('2024-04-07T03:00')).toBe('2024-04-06 17:30:00.000000+00');
  });

  it('refuses an unknown zone when the converter is built', () => {
    expect(() => conv('timestamptz', 'iso8601', 'Mars/Olympus_Mons')).toThrow(
      'unknown time zone "Mars/Olympus_Mons": expected an IANA name such as "UTC" or "Europe/Berlin"',
    );
  });
});

describe('timestamp (without time zone)', () => {
  it('passes naive wall times as written, even inside a DST gap', () => {
    const c = conv('timestamp', 'sqlite-datetime', 'Europe/Berlin');
    expect(c('2024-03-31 02:30:00')).toBe('2024-03-31 02:30:00.000000');
    expect(c('2024-02-29 23:59:59.999')).toBe('2024-02-29 23:59:59.999000');
  });

  it('turns instants into the zone wall time', () => {
    expect(conv('timestamp', 'iso8601', 'Europe/Berlin')('2024-07-01T10:00:00Z')).toBe('2024-07-01 12:00:00.000000');
    expect(conv('timestamp', 'unixepoch-s', 'America/New_York')(0n)).toBe('1969-12-31 19:00:00.000000');
    // Both instants of Berlin's repeated hour show the same wall time.
    const berlin = conv('timestamp', 'unixepoch-s', 'Europe/Berlin');
    expect(berlin(1729989000n)).toBe('2024-10-27 02:30:00.000000');
    expect(berlin(1729992600n)).toBe('2024-10-27 02:30:00.000000');
  });
});

describe('date', () => {
  const c = conv('date', 'iso8601');

  it('keeps dates, and midnight times', () => {
    expect(c('2024-02-29')).toBe('2024-02-29');
    expect(c('2024-02-29T00:00:00.000')).toBe('2024-02-29');
    expect(c('2023-02-29')).toBeInstanceOf(CastFailure);
  });

  it('refuses a time of day instead of dropping it', () => {
    expect(c('2024-02-29T10:00')).toEqual(
      new CastFailure('TEXT "2024-02-29T10:00" has a time of day (10:00:00.000000): the time would be dropped in a date column'),
    );
    expect(c('2024-02-29T00:00:00.000001')).toBeInstanceOf(CastFailure);
  });

  it('converts a value with an offset to the zone date first', () => {
    const berlin = conv('date', 'iso8601', 'Europe/Berlin');
    expect(berlin('2024-06-30T22:00:00Z')).toBe('2024-07-01');
    expect(berlin('2024-06-30T23:30:00Z')).toEqual(
      new CastFailure(
        'TEXT "2024-06-30T23:30:00Z" has a time of day (01:30:00.000000 in Europe/Berlin): the time would be dropped in a date column',
      ),
    );
    expect(conv('date', 'unixepoch-s')(1704067200n)).toBe('2024-01-01');
  });
});

describe('sqlite-datetime', () => {
  const c = conv('timestamptz', 'sqlite-datetime');

  it('reads what SQLite date functions write', () => {
    expect(c('2024-01-01 10:00:00')).toBe('2024-01-01 10:00:00.000000+00');
    expect(c('2024-01-01 10:00')).toBe('2024-01-01 10:00:00.000000+00');
    expect(c('2024-01-01')).toBe('2024-01-01 00:00:00.000000+00');
    expect(c('2024-01-01 10:00:00.123')).toBe('2024-01-01 10:00:00.123000+00');
    expect(c('2024-01-01 10:00:00.1234560000000')).toBe('2024-01-01 10:00:00.123456+00');
  });

  it('refuses the ISO-only spellings', () => {
    expect(c('2024-01-01T10:00:00')).toEqual(
      new CastFailure('TEXT "2024-01-01T10:00:00" is not sqlite-datetime text (expected YYYY-MM-DD[ HH:MM[:SS[.SSS]]])'),
    );
    expect(c('2024-01-01 10:00:00Z')).toBeInstanceOf(CastFailure);
    expect(c('2024-01-01 10:00:00+01:00')).toBeInstanceOf(CastFailure);
  });
});

describe('unix epochs', () => {
  const s = conv('timestamptz', 'unixepoch-s');
  const ms = conv('timestamptz', 'unixepoch-ms');
  const us = conv('timestamptz', 'unixepoch-us');

  it('reads seconds, including negative epochs', () => {
    expect(s(0n)).toBe('1970-01-01 00:00:00.000000+00');
    expect(s(1704067200n)).toBe('2024-01-01 00:00:00.000000+00');
    expect(s(-1n)).toBe('1969-12-31 23:59:59.000000+00');
    expect(s(-86400n * 365n)).toBe('1969-01-01 00:00:00.000000+00');
    expect(s(1704067200)).toBe('2024-01-01 00:00:00.000000+00');
    expect(s('1704067200')).toBe('2024-01-01 00:00:00.000000+00');
    expect(s('-0001')).toBe('1969-12-31 23:59:59.000000+00');
  });

  it('reads REAL seconds with up to six exact fractional digits', () => {
    expect(s(1704067200.5)).toBe('2024-01-01 00:00:00.500000+00');
    expect(s(1704067200.123456)).toBe('2024-01-01 00:00:00.123456+00');
    expect(s(-1.5)).toBe('1969-12-31 23:59:58.500000+00');
    expect(s(-0.000001)).toBe('1969-12-31 23:59:59.999999+00');
    expect(s(0.000001)).toBe('1970-01-01 00:00:00.000001+00');
    expect(s(1704067200.1234567)).toEqual(
      new CastFailure('REAL 1704067200.1234567 has 7 fractional digits: beyond microseconds they would be rounded'),
    );
    expect(s(1e-7)).toEqual(new CastFailure('REAL 1e-7 has more than 6 fractional digits: beyond microseconds they would be rounded'));
    expect(s('1704067200.5')).toEqual(new CastFailure('TEXT "1704067200.5" is not an integer unixepoch-s value'));
  });

  it('reads milliseconds and microseconds exactly', () => {
    expect(ms(1704067200123n)).toBe('2024-01-01 00:00:00.123000+00');
    expect(ms(-1n)).toBe('1969-12-31 23:59:59.999000+00');
    expect(ms(-1001)).toBe('1969-12-31 23:59:58.999000+00');
    expect(ms(1.5)).toEqual(new CastFailure('REAL 1.5 in a unixepoch-ms column: the fraction would be lost'));
    expect(us(1704067200123456n)).toBe('2024-01-01 00:00:00.123456+00');
    expect(us(-1n)).toBe('1969-12-31 23:59:59.999999+00');
    expect(us(9007199254740991n)).toBe('2255-06-05 23:47:34.740991+00');
    expect(us(9007199254740993n)).toBe('2255-06-05 23:47:34.740993+00');
    expect(us(253402300799999999n)).toBe('9999-12-31 23:59:59.999999+00');
    expect(us('253402300799999999')).toBe('9999-12-31 23:59:59.999999+00');
    expect(us('9007199254740993')).toBe('2255-06-05 23:47:34.740993+00');
    expect(ms('1704067200123')).toBe('2024-01-01 00:00:00.123000+00');
  });

  it('keeps the range edges and refuses one step beyond', () => {
    expect(s(-62135596800n)).toBe('0001-01-01 00:00:00.000000+00');
    expect(s(253402300799n)).toBe('9999-12-31 23:59:59.000000+00');
    // Just past the edges the values would be plausible milliseconds (1968, 1978), hence the question.
    expect(s(-62135596801n)).toEqual(
      new CastFailure('INTEGER -62135596801 is out of range for unixepoch-s (years 0001–9999): is this column in milliseconds?'),
    );
    expect(s(253402300800n)).toEqual(
      new CastFailure('INTEGER 253402300800 is out of range for unixepoch-s (years 0001–9999): is this column in milliseconds?'),
    );
    expect(ms(253402300800000n)).toEqual(
      new CastFailure('INTEGER 253402300800000 is out of range for unixepoch-ms (years 0001–9999): is this column in microseconds?'),
    );
    expect(ms(253402300799999n)).toBe('9999-12-31 23:59:59.999000+00');
    expect(ms(-62135596800000n)).toBe('0001-01-01 00:00:00.000000+00');
  });

  it('an epoch in a smaller unit than mapped fails and names the likely unit (never year 55970)', () => {
    expect(s(1704067200000n)).toEqual(
      new CastFailure('INTEGER 1704067200000 is out of range for unixepoch-s (years 0001–9999): is this column in milliseconds?'),
    );
    expect(s(1704067200000)).toEqual(
      new CastFailure('REAL 1704067200000 is out of range for unixepoch-s (years 0001–9999): is this column in milliseconds?'),
    );
    expect(s(1704067200000000n)).toEqual(
      new CastFailure('INTEGER 1704067200000000 is out of range for unixepoch-s (years 0001–9999): is this column in microseconds?'),
    );
    expect(ms(1704067200000000n)).toEqual(
      new CastFailure('INTEGER 1704067200000000 is out of range for unixepoch-ms (years 0001–9999): is this column in microseconds?'),
    );
    expect(us(1704067200000000000n)).toEqual(
      new CastFailure('INTEGER 1704067200000000000 is out of range for unixepoch-us (years 0001–9999): is this column in nanoseconds?'),
    );
    expect(s(-1704067200000n)).toEqual(
      new CastFailure('INTEGER -1704067200000 is out of range for unixepoch-s (years 0001–9999): is this column in milliseconds?'),
    );
    expect(s('9'.repeat(50))).toEqual(new CastFailure(`TEXT "${'9'.repeat(50)}" is out of range for unixepoch-s (years 0001–9999)`));
  });

  it('refuses what is not an epoch', () => {
    expect(s('2024-01-01')).toEqual(new CastFailure('TEXT "2024-01-01" is not an integer unixepoch-s value'));
    expect(s(' 1')).toBeInstanceOf(CastFailure);
    expect(s(NaN)).toEqual(new CastFailure('REAL NaN in a unixepoch-s column: not a finite number'));
    expect(s(Infinity)).toBeInstanceOf(CastFailure);
    expect(s(Buffer.alloc(8))).toEqual(new CastFailure('BLOB value in a unixepoch-s column (8 bytes)'));
    expect(s(null)).toBeNull();
  });
});

describe('julianday', () => {
  const c = conv('timestamptz', 'julianday');

  it('reads days since -4713-11-24 12:00 UTC, rounded to the millisecond like SQLite', () => {
    // Expected values checked against SQLite's strftime('%Y-%m-%d %H:%M:%f', jd).
    expect(c(2440587.5)).toBe('1970-01-01 00:00:00.000000+00');
    expect(c(2460310.5)).toBe('2024-01-01 00:00:00.000000+00');
    expect(c(2460311)).toBe('2024-01-01 12:00:00.000000+00');
    expect(c(2460311n)).toBe('2024-01-01 12:00:00.000000+00');
    expect(c(2460310.123456789)).toBe('2023-12-31 14:57:46.667000+00');
    expect(c(2460310.500000005)).toBe('2024-01-01 00:00:00.000000+00');
    expect(c(2451544.9999999995)).toBe('2000-01-01 12:00:00.000000+00');
    expect(c(1721425.5)).toBe('0001-01-01 00:00:00.000000+00');
    expect(c(5373484.499999)).toBe('9999-12-31 23:59:59.914000+00');
  });

  it('refuses days outside years 0001–9999 and non-numbers', () => {
    expect(c(1721425.4)).toEqual(new CastFailure('REAL 1721425.4 is outside years 0001–9999'));
    expect(c(0)).toEqual(new CastFailure('REAL 0 is outside years 0001–9999'));
    expect(c(-1)).toEqual(new CastFailure('REAL -1 is out of range for julianday (years 0001–9999)'));
    expect(c(5373484.5)).toEqual(new CastFailure('REAL 5373484.5 is out of range for julianday (years 0001–9999)'));
    expect(c('2460310.5')).toEqual(
      new CastFailure('TEXT value in a julianday column: TEXT "2460310.5" (expected a REAL julian day number)'),
    );
    expect(c(NaN)).toBeInstanceOf(CastFailure);
  });
});

describe('patterns', () => {
  it('reads day-first dates with a time', () => {
    const c = conv('timestamptz', { pattern: 'DD/MM/YYYY HH:mm:ss' });
    expect(c('29/02/2024 13:45:00')).toBe('2024-02-29 13:45:00.000000+00');
    expect(c('29/02/2023 13:45:00')).toEqual(new CastFailure('TEXT "29/02/2023 13:45:00" is not a real date: February 2023 has 28 days'));
    expect(c('31/12/1999 23:59:60')).toBeInstanceOf(CastFailure);
    expect(c('2024-02-29 13:45:00')).toEqual(new CastFailure('TEXT "2024-02-29 13:45:00" does not match the pattern "DD/MM/YYYY HH:mm:ss"'));
    expect(c('29/02/2024 13:45')).toBeInstanceOf(CastFailure);
    expect(c('29/02/2024 13:45:00 ')).toBeInstanceOf(CastFailure);
    expect(c(1n)).toEqual(
      new CastFailure(
        'INTEGER value in a date column mapped as pattern "DD/MM/YYYY HH:mm:ss": INTEGER 1 (if it is an epoch or a julian day, map the column with that format)',
      ),
    );
  });

  it('reads compact forms, fractions (1–6 digits) and offsets', () => {
    const compact = conv('timestamptz', { pattern: 'YYYYMMDDHHmmssSSS' });
    expect(compact('20240229134500123')).toBe('2024-02-29 13:45:00.123000+00');
    expect(compact('202402291345001234567')).toBeInstanceOf(CastFailure);
    const zoned = conv('timestamptz', { pattern: 'YYYY-MM-DD HH:mm:ss.SSS Z' });
    expect(zoned('2024-06-01 12:00:00.5 +02:00')).toBe('2024-06-01 10:00:00.500000+00');
    expect(zoned('2024-06-01 12:00:00.500000 Z')).toBe('2024-06-01 12:00:00.500000+00');
    expect(zoned('2024-06-01 12:00:00.5 +0200')).toBeInstanceOf(CastFailure);
  });

  it('reads a date-only pattern into a date column', () => {
    const c = conv('date', { pattern: 'MM/DD/YYYY' });
    expect(c('12/31/1999')).toBe('1999-12-31');
    expect(c('02/30/2024')).toBeInstanceOf(CastFailure);
  });

  it('naive pattern values follow the zone rules too', () => {
    const c = conv('timestamptz', { pattern: 'DD.MM.YYYY HH:mm' }, 'Europe/Berlin');
    expect(c('31.03.2024 02:30')).toBeInstanceOf(CastFailure);
    expect(c('27.10.2024 02:30')).toBe('2024-10-27 00:30:00.000000+00');
  });

  it('refuses unusable patterns when the converter is built', () => {
    expect(() => conv('date', { pattern: 'DD/MM' })).toThrow('date pattern "DD/MM" lacks YYYY');
    expect(() => conv('date', { pattern: 'YYYY-MM-DD mm' })).toThrow('date pattern "YYYY-MM-DD mm" has mm without HH');
    expect(() => conv('date', { pattern: 'YYYY-MM-DD YYYY' })).toThrow('date pattern "YYYY-MM-DD YYYY" has YYYY twice');
    expect(() => conv('date', { pattern: 'YYYY-MM-DD Z' })).toThrow('date pattern "YYYY-MM-DD Z" has an offset (Z) without a time (HH)');
  });
});
