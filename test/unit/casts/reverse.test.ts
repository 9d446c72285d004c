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

  it('epochs under timestamp and date targets go through the zone', () => {
    roundTrip(dt('unixepoch-s', 'timestamp', 'America/New_York'), [0n, 1704067200n]);
    roundTrip(dt('unixepoch-s', 'date'), [1704067200n]);
  });

  it('NULL stays NULL for every kind', () => {
    for (const c of [{ kind: 'text' }, { kind: 'boolean' }, dt('unixepoch-ms')] as ColumnCast[]) expect(reverseFor(c)(null)).toBeNull();
  });
});
