/**
 * Every reverse cast round-trips: SQLite value → forward cast → canonical → reverse (with the
 * value as its template) gives back the same value, with its storage class, on the edge values
 * the forward casts are tested with; and what the source format cannot hold is refused.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnCast, DateFormat } from '../../../src/model/plan.js';
import { CastFailure, converterFor, type SqliteValue } from '../../../src/plan/casts/index.js';
import { ReverseFailure, reverseFor } from '../../../src/plan/casts/reverse.js';
import { canonicalizer } from '../../../src/encode/canonical.js';

function canon(cast: ColumnCast, v: SqliteValue): string | null {
  const pg = converterFor(cast, { nul: 'quarantine' })(v);
  if (pg instanceof CastFailure) throw new Error(`forward failed for ${String(v)}: ${pg.reason}`);
  return pg === null ? null : canonicalizer(cast)(pg);
}

/** Forward, then reverse with the value itself as the template: the same value comes back. */
function roundTrip(cast: ColumnCast, values: readonly SqliteValue[]): void {
  const rev = reverseFor(cast);
  for (const v of values) {
    const c = canon(cast, v);
    const back = rev(c, v);
    expect(back, `${typeof v} ${String(v)}`).not.toBeInstanceOf(ReverseFailure);
    expect(back, `${typeof v} ${String(v)}`).toStrictEqual(v);
    expect(canon(cast, back as SqliteValue)).toBe(c);
  }
}

/** Reverse without a template must still land on the same canonical value. */
function sameCanonical(cast: ColumnCast, values: readonly SqliteValue[]): void {
  const rev = reverseFor(cast);
  for (const v of values) {
    const c = canon(cast, v);
    const back = rev(c);
    expect(back, String(v)).not.toBeInstanceOf(ReverseFailure);
    expect(canon(cast, back as SqliteValue), String(v)).toBe(c);
  }
}

const dt = (format: DateFormat, target: 'timestamptz' | 'timestamp' | 'date' = 'timestamptz', timeZone = 'UTC'): ColumnCast => ({ kind: 'datetime', target, format, timeZone });

describe('reverse casts', () => {
  it('text, including mixed storage and numbers-as-text', () => {
    roundTrip({ kind: 'text' }, ['', ' ', 'a\tb\nc\\d', '007', '\u{1F600}', 'x'.repeat(10_000), 42n, -9223372036854775808n]);
  });

  it('integer: the 64-bit edges', () => {
    roundTrip({ kind: 'integer', bits: 64 }, [0n, -1n, 9223372036854775807n, -9223372036854775808n]);
    roundTrip({ kind: 'integer', bits: 16 }, [32767n, -32768n]);
  });

  it('float8: -0, subnormals, extremes, ±Infinity; integers stay INTEGER', () => {
    roundTrip({ kind: 'float8' }, [0.1, -0, 5e-324, 1.7976931348623157e308, Infinity, -Infinity, 1.5, 2 ** 53, 7n]);
    expect(reverseFor({ kind: 'float8' })('7ff8000000000000')).toEqual(new ReverseFailure('NaN: SQLite stores a NaN REAL as NULL'));
  });

  it('numeric: INTEGER, REAL and TEXT as stored; beyond REAL precision is refused', () => {
    const cast: ColumnCast = { kind: 'numeric', precision: null, scale: null };
    roundTrip(cast, [0n, 12345678901234567n, -5n, 1.5, 0.1, 1e-7, '1.5', '123456789012345678901234567890.123456789']);
    // '1.50' and 1.50 are one numeric: the canonical value comes back (an unchanged value is never rewritten, see write-back).
    sameCanonical(cast, [2n ** 62n, 1.25, '1.50']);
    const r = reverseFor(cast)('0.1000000000000000000001');
    expect(r).toBeInstanceOf(ReverseFailure);
    expect((r as ReverseFailure).reason).toMatch(/beyond REAL precision/);
    expect(reverseFor(cast)('0.1000000000000000000001', '1.0')).toBe('0.1000000000000000000001');
  });

  it('boolean: 0/1 by default, the application\'s spelling when it used text', () => {
    roundTrip({ kind: 'boolean' }, [0n, 1n, 0, 1, 't', 'f', 'true', 'FALSE', '1', '0']);
    expect(reverseFor({ kind: 'boolean' })('t')).toBe(1n);
  });

  it('bytea: blob, hex text (prefix and case kept), text bytes', () => {
    roundTrip({ kind: 'bytea', from: 'blob' }, [Buffer.alloc(0), Buffer.from([0, 255, 9, 10, 92])]);
    roundTrip({ kind: 'bytea', from: 'hex' }, ['deadbeef', '\\xdeadbeef', '0xDEADBEEF', '', Buffer.from([1, 2])]);
    const tb: ColumnCast = { kind: 'bytea', from: 'text-bytes' };
    roundTrip(tb, [Buffer.from([0xff, 0xfe])]);
    expect(reverseFor(tb)(Buffer.from('héllo').toString('hex'), 'x')).toBe('héllo');
    expect(reverseFor(tb)('fffe', 'x')).toBeInstanceOf(ReverseFailure);
  });

  it('json: text in json\'s form, numbers as stored; jsonb text is jsonb\'s own form', () => {
    roundTrip({ kind: 'json', target: 'json' }, ['{"b":1,  "a":[1,2]}', '"\\u0000"', '[]', 5n, 2.5]);
    const jsonb: ColumnCast = { kind: 'json', target: 'jsonb' };
    // jsonb does not keep key order or whitespace: the text written back is equivalent JSON.
    expect(reverseFor(jsonb)(canon(jsonb, '{"b":1,  "a":[1,2]}'), '{}')).toBe('{"a": [1, 2], "b": 1}');
    sameCanonical(jsonb, ['{"b":1,  "a":[1,2]}', '{"k":"\\u00e9\\n","n":1.50}', 'null', '1e2']);
  });

  it('uuid: text forms and 16-byte blobs as stored', () => {
    roundTrip({ kind: 'uuid' }, ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'A0EEBC999C0B4EF8BB6D6BB9BD380A11', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', Buffer.alloc(16, 7)]);
  });

  it('epochs: s, ms, µs as INTEGER (REAL seconds when stored so); a finer value is refused with its nearest', () => {
    roundTrip(dt('unixepoch-s'), [0n, -1n, 1704067200n, -62135596800n, 253402300799n, 1704067200.5, -1.5]);
    roundTrip(dt('unixepoch-ms'), [0n, 1704067200123n, -1n, -62135596800000n]);
    roundTrip(dt('unixepoch-us'), [1704067200123456n, -1n]);
    const ms = reverseFor(dt('unixepoch-ms'));
    const r = ms('1704067200123456', 0n);
    expect(r).toEqual(new ReverseFailure('has a fraction of a millisecond (456 µs) that whole milliseconds cannot hold', 1704067200123n));
    expect(ms('Infinity')).toEqual(new ReverseFailure('infinity has no SQLite form'));
    expect(reverseFor(dt('unixepoch-s'))('1704067200500000', 1n)).toBeInstanceOf(ReverseFailure);
  });

  it('julianday: REAL at millisecond precision', () => {
    roundTrip(dt('julianday'), [2460310.5, 2440587.5, 1721425.5]);
    // The forward cast keeps milliseconds, as SQLite does; the digits beyond are float noise.
    sameCanonical(dt('julianday'), [2460311.123456789]);
    expect(reverseFor(dt('julianday'))('1704067200000001')).toBeInstanceOf(ReverseFailure);
  });

  it('ISO 8601 and sqlite-datetime text keep their shape and zone', () => {
    roundTrip(dt('iso8601'), ['2024-01-01T10:00:00Z', '2024-01-01 10:00:00', '2024-01-01T10:00:00.123456Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z', '2024-01-01', '2024-02-29T23:30:00+0000']);
    roundTrip(dt('iso8601', 'timestamptz', 'Europe/Berlin'), ['2024-01-01T10:00:00+01:00', '2024-07-01T10:00:00+02:00', '2024-07-01 10:00:00', '2018-11-04T01:00:00']);
    roundTrip(dt('sqlite-datetime'), ['2024-01-01 10:00:00', '2024-01-01 10:00:00.123', '1970-01-01 00:00:00', '2024-01-01']);
    roundTrip(dt('sqlite-datetime', 'timestamp'), ['2024-01-01 10:00:00']);
    roundTrip(dt('iso8601', 'date'), ['2024-01-01', '0001-01-01']);
    // No template: a naive text in the mapping's zone.
    expect(reverseFor(dt('sqlite-datetime', 'timestamptz', 'America/New_York'))('0')).toBe('1969-12-31 19:00:00');
    expect(reverseFor(dt('sqlite-datetime'))('1704067200123456')).toBeInstanceOf(ReverseFailure); // µs into strftime %f (ms)
    expect(reverseFor(dt('iso8601', 'date'))('infinity')).toBeInstanceOf(ReverseFailure);
  });

  it('pattern formats: every field written back as the pattern spells it, fraction as wide as the column wrote it', () => {
    const pt = (pattern: string, target: 'timestamptz' | 'timestamp' | 'date' = 'timestamptz', zone = 'UTC'): ColumnCast => dt({ pattern }, target, zone);
    roundTrip(pt('DD/MM/YYYY HH:mm'), ['01/01/2024 10:00', '29/02/2024 23:59', '01/01/0001 00:00', '31/12/9999 23:59']);
    roundTrip(pt('YYYYMMDD'), ['20240101', '00010101', '99991231']);
    roundTrip(pt('YYYY-MM-DDTHH:mm:ss.SSSZ'), ['2024-01-01T10:00:00.123Z', '2024-01-01T10:00:00.5Z', '2024-01-01T10:00:00.123456Z', '9999-12-31T23:59:59.999999Z', '0001-01-01T00:00:00.000z', '2024-01-01T10:00:00.000+00:00']);
    roundTrip(pt('YYYY-MM-DD HH:mm:ssZ', 'timestamptz', 'Europe/Berlin'), ['2024-01-01 10:00:00+01:00', '2024-07-01 10:00:00+02:00', '2024-07-01 08:00:00Z']);
    roundTrip(pt('DD/MM/YYYY HH:mm', 'timestamptz', 'Europe/Berlin'), ['01/07/2024 10:00', '31/03/2024 03:00', '27/10/2024 01:59']);
    roundTrip(pt('DD.MM.YYYY HH:mm:ss', 'timestamp'), ['31.12.2023 23:59:59', '31.03.2024 02:30:00']);
    roundTrip(pt('DD.MM.YYYY HH:mm:ss', 'timestamp', 'Europe/Berlin'), ['31.03.2024 02:30:00']);
    roundTrip(pt('DD/MM/YYYY', 'date'), ['29/02/2024', '01/01/0001']);
    roundTrip(pt('YYYY-MM-DD HH:mm', 'date'), ['2024-01-01 00:00']);
    roundTrip(pt('YYYY-MM-DD HHZ', 'date', 'Europe/Berlin'), ['2024-01-01 00+01:00']);
    // No template: three fraction digits (the token is SSS), more when the value needs them; the zone's offset.
    expect(reverseFor(pt('YYYY-MM-DD HH:mm:ss.SSS'))('1704103200000000')).toBe('2024-01-01 10:00:00.000');
    expect(reverseFor(pt('YYYY-MM-DD HH:mm:ss.SSS'))('1704103200000001')).toBe('2024-01-01 10:00:00.000001');
    expect(reverseFor(pt('YYYY-MM-DDTHH:mmZ', 'timestamptz', 'America/New_York'))('1704103200000000')).toBe('2024-01-01T05:00-05:00');
    sameCanonical(pt('DD/MM/YYYY HH:mm:ss.SSS', 'timestamptz', 'Asia/Kathmandu'), ['01/01/2024 10:00:00.250']);
  });

  it('pattern formats: what the pattern cannot hold is refused, with the reason', () => {
    const pt = (pattern: string, target: 'timestamptz' | 'timestamp' | 'date' = 'timestamptz', zone = 'UTC'): ColumnCast => dt({ pattern }, target, zone);
    const at = (iso: string): string => String(BigInt(Date.parse(iso)) * 1000n);
    expect(reverseFor(pt('DD/MM/YYYY HH:mm'))(at('2024-01-01T10:00:30Z'))).toEqual(new ReverseFailure('has seconds (10:00:30), the pattern "DD/MM/YYYY HH:mm" holds whole minutes'));
    expect(reverseFor(pt('DD/MM/YYYY'))(at('2024-01-01T10:00:00Z'))).toEqual(new ReverseFailure('has a time of day (10:00:00), the pattern "DD/MM/YYYY" holds dates only'));
    expect(reverseFor(pt('YYYY-MM-DD HH'))(at('2024-01-01T10:30:00Z'))).toBeInstanceOf(ReverseFailure);
    expect(reverseFor(pt('YYYY-MM-DD HH:mm:ss'))(`${at('2024-01-01T10:00:00Z').slice(0, -6)}000001`)).toEqual(new ReverseFailure('has a fraction of a second (.000001), the pattern "YYYY-MM-DD HH:mm:ss" holds whole seconds'));
    expect(reverseFor(pt('YYYY-MM-DD HH:mm'))('Infinity')).toEqual(new ReverseFailure('infinity has no SQLite form'));
    expect(reverseFor(pt('DD/MM/YYYY', 'date'))('2024-01-01 BC')).toBeInstanceOf(ReverseFailure);
    expect(reverseFor(pt('YYYY-MM-DD HH:mm:ss.SSS1'))(at('2024-01-01T10:00:00Z'))).toEqual(new ReverseFailure('a digit follows SSS in the pattern "YYYY-MM-DD HH:mm:ss.SSS1", so a written fraction would not read back the same'));
    // The hour Berlin repeats (2024-10-27 02:00–03:00 twice): a naive pattern cannot tell the two instants apart.
    const naive = reverseFor(pt('DD/MM/YYYY HH:mm', 'timestamptz', 'Europe/Berlin'));
    const first = naive(at('2024-10-27T00:30:00Z'));
    const second = naive(at('2024-10-27T01:30:00Z'));
    expect([first, second].filter((x) => x instanceof ReverseFailure)).toHaveLength(1);
    expect([first, second].find((x) => x instanceof ReverseFailure)).toEqual(new ReverseFailure('falls in an hour Europe/Berlin repeats (daylight-saving overlap): the pattern "DD/MM/YYYY HH:mm" has no offset to tell which'));
    expect(canon(pt('DD/MM/YYYY HH:mm', 'timestamptz', 'Europe/Berlin'), [first, second].find((x) => !(x instanceof ReverseFailure)) as string)).toBe(at(first instanceof ReverseFailure ? '2024-10-27T01:30:00Z' : '2024-10-27T00:30:00Z'));
    // With an offset in the pattern both go back exactly.
    const withOffset = reverseFor(pt('DD/MM/YYYY HH:mmZ', 'timestamptz', 'Europe/Berlin'));
    expect([withOffset(at('2024-10-27T00:30:00Z')), withOffset(at('2024-10-27T01:30:00Z'))]).toEqual(['27/10/2024 02:30+02:00', '27/10/2024 02:30+01:00']);
    // A timestamp inside a daylight-saving gap cannot be written as an instant.
    expect(reverseFor(pt('DD.MM.YYYY HH:mm:ssZ', 'timestamp', 'Europe/Berlin'))(canon(pt('DD.MM.YYYY HH:mm:ss', 'timestamp', 'Europe/Berlin'), '31.03.2024 02:30:00')!)).toBeInstanceOf(ReverseFailure);
  });

  it('epochs under timestamp and date targets go through the zone', () => {
    roundTrip(dt('unixepoch-s', 'timestamp', 'America/New_York'), [0n, 1704067200n]);
    roundTrip(dt('unixepoch-s', 'date'), [1704067200n]);
  });

  it('NULL stays NULL for every kind', () => {
    for (const c of [{ kind: 'text' }, { kind: 'boolean' }, dt('unixepoch-ms')] as ColumnCast[]) expect(reverseFor(c)(null)).toBeNull();
  });
});
