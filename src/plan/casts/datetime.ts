import type { ColumnCast, DateFormat } from '../../model/plan.js';
import { CastFailure, type Converter, type SqliteValue } from './cast-failure.js';
import { DateTimeWriter, MAX_SECOND, MIN_SECOND, SECONDS_PER_DAY, daysFromCivil, formatDateTime } from './calendar.js';
import {
  ISO8601,
  SQLITE_DATETIME,
  compileDatePattern,
  newDateTimeFields,
  parseDateText,
  parseWithPattern,
  type DateTimeFields,
} from './date-text.js';
import { describeValue, storageClass } from './describe-value.js';
import { EXACT_INTEGER_TEXT_LENGTH, numberText } from './number-text.js';
import { TimeZone } from './time-zone.js';

/** The datetime member of ColumnCast. */
export type DatetimeCast = Extract<ColumnCast, { readonly kind: 'datetime' }>;
/** The integer epoch formats, by unit. */
export type EpochFormat = 'unixepoch-s' | 'unixepoch-ms' | 'unixepoch-us';

/** A second count from 1970-01-01 00:00 plus microseconds (0–999999); a scratch reused between values. */
export interface Moment {
  seconds: number;
  micros: number;
}

/**
 * Writes the target type's text from a moment that is either a UTC instant or (naive) a wall
 * time in the column's zone. The single place where zones are applied.
 */
type Emit = (v: SqliteValue, seconds: number, micros: number, naive: boolean) => string | CastFailure;

const EPOCH_UNITS: Readonly<Record<EpochFormat, number>> = {
  'unixepoch-s': 1,
  'unixepoch-ms': 1000,
  'unixepoch-us': 1_000_000,
};
const LARGER_UNITS: readonly (readonly [number, string])[] = [
  [1000, 'milliseconds'],
  [1_000_000, 'microseconds'],
  [1_000_000_000, 'nanoseconds'],
];
const INTEGER_TEXT = /^[+-]?\d+$/;
/** Integer texts this long are out of range in any unit; skip building a BigInt for them. */
const MAX_EPOCH_TEXT_LENGTH = 40;
const RANGE = 'years 0001–9999';

/**
 * A timestamptz or timestamp converter, which also leaves the moment its last returned text
 * stands for in `lastMoment`: seconds since 1970-01-01 00:00 (the UTC instant for timestamptz,
 * the nominal wall time for timestamp) and microseconds. Valid after a call that returned text,
 * until the next call. The loader's checksum takes the value's canonical form from it instead of
 * parsing the text back (encode/canonical.ts momentCanonical).
 */
export type MomentConverter = Converter & { readonly lastMoment: Readonly<Moment> };

/**
 * Build the converter of a datetime column: the zone is loaded and validated, and a pattern
 * compiled, once here. Throws a plain Error for an unknown zone or an unusable pattern.
 * timestamptz and timestamp converters are MomentConverters.
 */
export function datetimeConverter(cast: DatetimeCast): Converter {
  const last: Moment = { seconds: 0, micros: 0 };
  const convert = textOrEpochConverter(cast, emitterFor(cast.target, TimeZone.load(cast.timeZone), last));
  return cast.target === 'date' ? convert : Object.assign(convert, { lastMoment: last });
}

function textOrEpochConverter(cast: DatetimeCast, emit: Emit): Converter {
  const format: DateFormat = cast.format;
  if (typeof format === 'object') {
    const pattern = compileDatePattern(format.pattern);
    return textDateConverter(`pattern ${JSON.stringify(format.pattern)}`, (s, f) => parseWithPattern(s, pattern, f), emit);
  }
  switch (format) {
    case 'iso8601':
      return textDateConverter(format, (s, f) => parseDateText(s, ISO8601, f), emit);
    case 'sqlite-datetime':
      return textDateConverter(format, (s, f) => parseDateText(s, SQLITE_DATETIME, f), emit);
    case 'unixepoch-s':
    case 'unixepoch-ms':
    case 'unixepoch-us': {
      const m: Moment = { seconds: 0, micros: 0 };
      return (v) => {
        if (v === null) return null;
        return epochToMoment(v, format, m) ?? emit(v, m.seconds, m.micros, false);
      };
    }
    case 'julianday': {
      const m: Moment = { seconds: 0, micros: 0 };
      return (v) => {
        if (v === null) return null;
        return julianDayToMoment(v, m) ?? emit(v, m.seconds, m.micros, false);
      };
    }
  }
}

function textDateConverter(name: string, parse: (s: string, f: DateTimeFields) => string | null, emit: Emit): Converter {
  const f = newDateTimeFields();
  return (v) => {
    if (typeof v !== 'string') {
      if (v === null) return null;
      return new CastFailure(
        `${storageClass(v)} value in a date column mapped as ${name}: ${describeValue(v)}` +
          (typeof v === 'object' ? '' : ' (if it is an epoch or a julian day, map the column with that format)'),
      );
    }
    const reason = parse(v, f);
    if (reason !== null) return new CastFailure(`${describeValue(v)} ${reason}`);
    const wall = daysFromCivil(f.year, f.month, f.day) * SECONDS_PER_DAY + f.hour * 3600 + f.minute * 60 + f.second;
    return Number.isNaN(f.offset) ? emit(v, wall, f.micros, true) : emit(v, wall - f.offset, f.micros, false);
  };
}

function outOfRange(v: SqliteValue): CastFailure {
  return new CastFailure(`${describeValue(v)} is outside ${RANGE}`);
}

/** `last`: set to the moment of each text returned for timestamptz and timestamp (see MomentConverter). */
function emitterFor(target: DatetimeCast['target'], zone: TimeZone, last: Moment): Emit {
  const writer = new DateTimeWriter();
  switch (target) {
    // Always UTC with an explicit +00: the text means the same instant whatever the session's TimeZone.
    case 'timestamptz':
      return (v, seconds, micros, naive) => {
        let t = seconds;
        if (naive && !zone.isUtc) {
          t = zone.instantFor(seconds);
          if (Number.isNaN(t)) {
            return new CastFailure(
              `${describeValue(v)} did not exist in ${zone.name}: the clocks skipped over it (a daylight-saving gap)`,
            );
          }
        }
        const out = writer.dateTime(t, micros);
        if (out === null) return outOfRange(v);
        last.seconds = t;
        last.micros = micros;
        return out + '+00';
      };
    // A naive value already is a wall time in the zone and passes as written (even inside a DST
    // gap: storing it loses nothing, unlike turning it into an instant). Instants become the
    // zone's wall time.
    case 'timestamp':
      return (v, seconds, micros, naive) => {
        const wall = naive ? seconds : seconds + zone.offsetAt(seconds);
        const out = writer.dateTime(wall, micros);
        if (out === null) return outOfRange(v);
        last.seconds = wall;
        last.micros = micros;
        return out;
      };
    case 'date':
      return (v, seconds, micros, naive) => {
        const wall = naive ? seconds : seconds + zone.offsetAt(seconds);
        const days = Math.floor(wall / SECONDS_PER_DAY);
        const date = writer.date(days);
        if (date === null) return outOfRange(v);
        if (wall !== days * SECONDS_PER_DAY || micros !== 0) {
          const time = formatDateTime(wall, micros)!.slice(11);
          return new CastFailure(
            `${describeValue(v)} has a time of day (${time}${naive ? '' : ` in ${zone.name}`}): the time would be dropped in a date column`,
          );
        }
        return date;
      };
  }
}

/**
 * An epoch value into a UTC moment. INTEGER, integral REAL and strict integer TEXT are read in
 * the format's unit; `unixepoch-s` also takes a REAL whose shortest round-trip text has at most
 * 6 fractional digits (microseconds). A value outside years 0001–9999 fails, naming the unit it
 * would fit, so an epoch-ms column mapped as seconds never becomes year 55970. Null on success.
 */
export function epochToMoment(v: SqliteValue, format: EpochFormat, out: Moment): CastFailure | null {
  const unit = EPOCH_UNITS[format];
  if (typeof v === 'bigint') {
    return v >= -MAX_SAFE && v <= MAX_SAFE ? integerEpoch(v, Number(v), unit, format, out) : bigEpoch(v, v, unit, format, out);
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v)) {
      return Number.isSafeInteger(v) ? integerEpoch(v, v + 0, unit, format, out) : bigEpoch(v, BigInt(v), unit, format, out);
    }
    if (!Number.isFinite(v)) return new CastFailure(`${describeValue(v)} in a ${format} column: not a finite number`);
    if (unit === 1) return fractionalSeconds(v, out);
    return new CastFailure(`${describeValue(v)} in a ${format} column: the fraction would be lost`);
  }
  if (typeof v === 'string') {
    if (!INTEGER_TEXT.test(v)) return new CastFailure(`${describeValue(v)} is not an integer ${format} value`);
    if (v.length <= EXACT_INTEGER_TEXT_LENGTH) return integerEpoch(v, Number(v) + 0, unit, format, out);
    if (v.length > MAX_EPOCH_TEXT_LENGTH) return new CastFailure(`${describeValue(v)} is out of range for ${format} (${RANGE})`);
    return bigEpoch(v, BigInt(v), unit, format, out);
  }
  if (v === null) return new CastFailure('NULL has no time');
  return new CastFailure(`BLOB value in a ${format} column (${v.length} bytes)`);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function integerEpoch(v: SqliteValue, n: number, unit: number, format: EpochFormat, out: Moment): CastFailure | null {
  // Both bounds times any unit here are exact doubles (few significant bits, ×10^k).
  if (n < MIN_SECOND * unit || n >= (MAX_SECOND + 1) * unit) return epochOutOfRange(v, BigInt(n), unit, format);
  let seconds = Math.floor(n / unit);
  let rest = n - seconds * unit;
  // The division is rounded; near a multiple of the unit it can land on the wrong side.
  if (rest < 0) {
    seconds -= 1;
    rest += unit;
  } else if (rest >= unit) {
    seconds += 1;
    rest -= unit;
  }
  out.seconds = seconds;
  out.micros = rest * (1_000_000 / unit);
  return null;
}

function bigEpoch(v: SqliteValue, b: bigint, unit: number, format: EpochFormat, out: Moment): CastFailure | null {
  const u = BigInt(unit);
  if (b < BigInt(MIN_SECOND) * u || b >= BigInt(MAX_SECOND + 1) * u) return epochOutOfRange(v, b, unit, format);
  let seconds = b / u;
  let rest = b % u;
  if (rest < 0n) {
    seconds -= 1n;
    rest += u;
  }
  out.seconds = Number(seconds);
  out.micros = Number(rest) * (1_000_000 / unit);
  return null;
}

function epochOutOfRange(v: SqliteValue, b: bigint, unit: number, format: EpochFormat): CastFailure {
  let hint = '';
  for (const [larger, name] of LARGER_UNITS) {
    const u = BigInt(larger);
    if (larger > unit && b >= BigInt(MIN_SECOND) * u && b < BigInt(MAX_SECOND + 1) * u) {
      hint = `: is this column in ${name}?`;
      break;
    }
  }
  return new CastFailure(`${describeValue(v)} is out of range for ${format} (${RANGE})${hint}`);
}

/**
 * A REAL of seconds with a fraction. Its shortest round-trip text is the value the application
 * stored (e.g. Python's time.time()); up to 6 fractional digits are microseconds, more would be
 * rounded and fail. Exponent forms appear only below 1e-6 or at 1e21 and above: both fail.
 */
function fractionalSeconds(v: number, out: Moment): CastFailure | null {
  const text = numberText(v);
  const dot = text.indexOf('.');
  if (dot === -1 || text.includes('e')) {
    return Math.abs(v) >= 1
      ? epochOutOfRange(v, BigInt(Math.trunc(v)), 1, 'unixepoch-s')
      : new CastFailure(`${describeValue(v)} has more than 6 fractional digits: beyond microseconds they would be rounded`);
  }
  const fractionDigits = text.length - dot - 1;
  if (fractionDigits > 6) {
    return new CastFailure(`${describeValue(v)} has ${fractionDigits} fractional digits: beyond microseconds they would be rounded`);
  }
  const negative = v < 0;
  const whole = Number(text.slice(negative ? 1 : 0, dot));
  const fraction = Number(text.slice(dot + 1).padEnd(6, '0'));
  // The fraction is non-zero (v is not integral), so a negative value borrows one second: -1.5 → -2 s + 0.5 s.
  const seconds = negative ? -whole - 1 : whole;
  if (seconds < MIN_SECOND || seconds > MAX_SECOND) return epochOutOfRange(v, BigInt(Math.trunc(v)), 1, 'unixepoch-s');
  out.seconds = seconds;
  out.micros = negative ? 1_000_000 - fraction : fraction;
  return null;
}

/** Julian day number of 1970-01-01 00:00 UTC, in milliseconds (2440587.5 days). */
const UNIX_EPOCH_JD_MS = 210_866_760_000_000;
/** SQLite accepts julian days in [0, 5373484.5): -4713-11-24 12:00 to 9999-12-31 23:59:59.999. */
const MAX_JULIAN_DAY = 5373484.5;

/**
 * A julian day number (days since -4713-11-24 12:00 UTC, proleptic Gregorian) into a UTC moment.
 * SQLite keeps julian days at millisecond precision (https://www.sqlite.org/lang_datefunc.html),
 * so we round to the nearest millisecond exactly as SQLite does, `(i64)(jd * 86400000.0 + 0.5)`
 * in setRawDateNumber (https://sqlite.org/src/file?name=src/date.c): datetime(jd) in SQLite and
 * this converter then agree, and the digits beyond a millisecond are float noise, not data.
 */
export function julianDayToMoment(v: SqliteValue, out: Moment): CastFailure | null {
  let jd: number;
  if (typeof v === 'number') jd = v;
  else if (typeof v === 'bigint') jd = Number(v);
  else if (v === null) return new CastFailure('NULL has no time');
  else return new CastFailure(`${storageClass(v)} value in a julianday column: ${describeValue(v)} (expected a REAL julian day number)`);
  if (!Number.isFinite(jd)) return new CastFailure(`${describeValue(v)} in a julianday column: not a finite number`);
  if (jd < 0 || jd >= MAX_JULIAN_DAY) return new CastFailure(`${describeValue(v)} is out of range for julianday (${RANGE})`);
  const ms = Math.floor(jd * 86_400_000 + 0.5) - UNIX_EPOCH_JD_MS;
  const seconds = Math.floor(ms / 1000);
  out.seconds = seconds;
  out.micros = (ms - seconds * 1000) * 1000;
  return null;
}
