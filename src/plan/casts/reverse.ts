/**
 * Reverse casts, for `fallback`: a PostgreSQL value, as its canonical text (encode/canonical.ts:
 * the form that depends on no session setting), back into what the application stored in SQLite
 * under the column's forward cast. Pure functions, one per cast kind, from the same ColumnCast.
 *
 * Exact or a refusal: a value the source format cannot hold (µs into an epoch-ms column,
 * ±infinity, NaN in a REAL, a numeric beyond REAL precision, …) returns a ReverseFailure with the
 * reason, and the nearest value the format can hold when there is one (written only under the
 * explicit `--inexact nearest` policy). The caller also round-trips every result through the
 * forward cast and the canonical form (run/fallback-run.ts), so a reverse that is not exact can
 * never be written silently.
 *
 * `template` is a value of the same column already in SQLite (the row's own value when the row
 * exists, else the column's first non-NULL value): where a cast maps several SQLite spellings to
 * one PostgreSQL value, the template decides which spelling is written (TEXT vs INTEGER in a
 * numeric column, `T` vs space and the offset style of an ISO date, 0/1 vs 't'/'f' for a boolean),
 * so the file keeps its original formats. What cannot be kept: jsonb does not keep key order,
 * duplicate keys or whitespace, so the text written is equivalent JSON in jsonb's own form.
 */
import type { ColumnCast } from '../../model/plan.js';
import type { SqliteValue } from './cast-failure.js';
import { SECONDS_PER_DAY, formatDate, formatDateTime, daysFromCivil } from './calendar.js';
import { numberText } from './number-text.js';
import { toNumeric } from './numeric.js';
import { TimeZone } from './time-zone.js';
import type { DatetimeCast } from './datetime.js';
import { compileDatePattern, type DatePattern } from './date-text.js';

/** Why a PostgreSQL value cannot go back into the source format exactly. */
export class ReverseFailure {
  /** `nearest`: what `--inexact nearest` writes instead (undefined: nothing can be written). */
  constructor(
    readonly reason: string,
    readonly nearest?: SqliteValue,
  ) {}
}

/** Canonical text (null = SQL NULL), plus a template value of the column → the SQLite value to store. */
export type ReverseConverter = (canon: string | null, template?: SqliteValue) => SqliteValue | ReverseFailure;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The reverse converter of one column; zone and format are resolved once. Throws for an unknown zone. */
export function reverseFor(cast: ColumnCast): ReverseConverter {
  switch (cast.kind) {
    case 'text':
      return (c, t) => (c === null ? null : textLike(c, t));
    case 'integer':
      return (c) => (c === null ? null : integerValue(c));
    case 'float8':
      return (c, t) => (c === null ? null : float8Value(c, t));
    case 'numeric':
      return (c, t) => (c === null ? null : numericValue(c, t));
    case 'boolean':
      return (c, t) => (c === null ? null : booleanValue(c, t));
    case 'bytea':
      return (c, t) => (c === null ? null : byteaValue(c, cast.from, t));
    case 'json':
      return (c, t) => (c === null ? null : jsonValue(c, t));
    case 'uuid':
      return (c, t) => (c === null ? null : uuidValue(c, t));
    case 'datetime':
      return datetimeReverse(cast);
  }
}

/** TEXT as is. In a column whose existing values are numbers (mixed storage), a number text that round-trips goes back as that number. */
function textLike(c: string, t: SqliteValue | undefined): SqliteValue {
  if (typeof t === 'bigint' && /^-?(?:0|[1-9]\d*)$/.test(c)) {
    const b = BigInt(c);
    if (b >= INT64_MIN && b <= INT64_MAX) return b;
  }
  return c;
}

function integerValue(c: string): SqliteValue | ReverseFailure {
  const b = BigInt(c);
  if (b < INT64_MIN || b > INT64_MAX) return new ReverseFailure(`${c} is beyond SQLite's 64-bit INTEGER`);
  return b;
}

/** IEEE-754 bits (16 hex digits, big-endian) → the double. */
export function float8FromBits(hex: string): number {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

function float8Value(c: string, t: SqliteValue | undefined): SqliteValue | ReverseFailure {
  const n = float8FromBits(c);
  // SQLite stores NaN as NULL (https://www.sqlite.org/floatingpoint.html).
  if (Number.isNaN(n)) return new ReverseFailure('NaN: SQLite stores a NaN REAL as NULL');
  if (typeof t === 'bigint' && Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER && !Object.is(n, -0)) return BigInt(n);
  return n;
}

function numericValue(c: string, t: SqliteValue | undefined): SqliteValue | ReverseFailure {
  if (c === 'NaN' || /Infinity/.test(c)) return new ReverseFailure(`${c} has no SQLite form in a numeric column`);
  if (typeof t === 'string') return c; // the application stored decimals as TEXT: exact
  if (/^-?\d+$/.test(c)) {
    const b = BigInt(c);
    if (b >= INT64_MIN && b <= INT64_MAX) return b;
  }
  const n = Number(c);
  if (Number.isFinite(n) && sameDecimal(n, c)) return n;
  return new ReverseFailure(`${c} is beyond REAL precision (the nearest REAL is ${numberText(n)}); SQLite would round it`, Number.isFinite(n) ? n : undefined);
}

/** Whether the REAL `n` loads (forward cast) as exactly the decimal `c` (both without trailing fractional zeros). */
function sameDecimal(n: number, c: string): boolean {
  const back = toNumeric(n, { precision: null, scale: null });
  if (typeof back !== 'string') return false;
  const trim = (x: string): string => (x.includes('.') ? x.replace(/0+$/, '').replace(/\.$/, '') : x);
  return trim(back) === trim(c);
}

function booleanValue(c: string, t: SqliteValue | undefined): SqliteValue {
  const yes = c === 't';
  if (typeof t === 'string') {
    const l = t.toLowerCase();
    const upper = t !== l;
    const word = l === 'true' || l === 'false' ? (yes ? 'true' : 'false') : l === 't' || l === 'f' ? (yes ? 't' : 'f') : yes ? '1' : '0';
    return upper ? word.toUpperCase() : word;
  }
  if (typeof t === 'number') return yes ? 1 : 0;
  return yes ? 1n : 0n;
}

function byteaValue(c: string, from: 'blob' | 'hex' | 'text-bytes', t: SqliteValue | undefined): SqliteValue | ReverseFailure {
  const bytes = Buffer.from(c, 'hex');
  if (from === 'blob') return bytes;
  if (from === 'hex') {
    if (typeof t === 'object' && t !== null) return bytes;
    const tt = typeof t === 'string' ? t : '';
    const prefix = tt.startsWith('\\x') ? '\\x' : tt.startsWith('0x') ? '0x' : tt.startsWith('0X') ? '0X' : '';
    const body = tt.slice(prefix.length);
    return prefix + (/[A-F]/.test(body) && !/[a-f]/.test(body) ? c.toUpperCase() : c);
  }
  // text-bytes: the stored bytes of a TEXT value (or a BLOB as is).
  if (typeof t === 'object' && t !== null) return bytes;
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) return new ReverseFailure('bytes that are not valid UTF-8 cannot be written back as TEXT');
  return text;
}

function jsonValue(c: string, t: SqliteValue | undefined): SqliteValue {
  // A JSON scalar number the application stored as an INTEGER or REAL goes back as one.
  if (typeof t === 'bigint' && /^-?(?:0|[1-9]\d*)$/.test(c)) {
    const b = BigInt(c);
    if (b >= INT64_MIN && b <= INT64_MAX) return b;
  }
  if (typeof t === 'number' && /^-?\d/.test(c)) {
    const n = Number(c);
    if (Number.isFinite(n) && numberText(n) === c) return n;
  }
  return c;
}

function uuidValue(c: string, t: SqliteValue | undefined): SqliteValue {
  if (typeof t === 'object' && t !== null) return Buffer.from(c.replaceAll('-', ''), 'hex');
  if (typeof t === 'string') {
    const inner = t.startsWith('{') ? t.slice(1, -1) : t;
    let out = inner.includes('-') ? c : c.replaceAll('-', '');
    if (/[A-F]/.test(inner) && !/[a-f]/.test(inner)) out = out.toUpperCase();
    return t.startsWith('{') ? `{${out}}` : out;
  }
  return c;
}

// --- dates and times ---

const UNIX_EPOCH_JD_MS = 210_866_760_000_000;

/** The spelling of a date text, read from a template value. */
interface TextShape {
  readonly sep: 'T' | ' ';
  /** Minimum fractional digits written (more when the value needs them). */
  readonly fraction: number;
  /** Offset style: none (a naive wall time in the mapping's zone), `Z`, `+HH:MM`, `+HHMM`. */
  readonly offset: 'none' | 'Z' | 'colon' | 'plain';
  readonly dateOnly: boolean;
}

function shapeOf(t: SqliteValue | undefined, format: 'iso8601' | 'sqlite-datetime'): TextShape {
  const fallback: TextShape = { sep: format === 'iso8601' ? 'T' : ' ', fraction: 0, offset: 'none', dateOnly: false };
  if (typeof t !== 'string' || t.length < 10) return fallback;
  if (t.length === 10) return { ...fallback, dateOnly: true };
  const sep = t[10] === 'T' || t[10] === 't' ? 'T' : ' ';
  const frac = /\.(\d+)/.exec(t.slice(11));
  const offset = /Z$/i.test(t) ? 'Z' : /[+-]\d\d:\d\d$/.test(t.slice(11)) ? 'colon' : /[+-]\d{4}$/.test(t.slice(11)) ? 'plain' : 'none';
  return { sep, fraction: frac ? frac[1]!.length : 0, offset: format === 'sqlite-datetime' ? 'none' : offset, dateOnly: false };
}

function offsetText(seconds: number, style: 'Z' | 'colon' | 'plain'): string {
  if (style === 'Z' && seconds === 0) return 'Z';
  const sign = seconds < 0 ? '-' : '+';
  const a = Math.abs(seconds);
  const h = String(Math.floor(a / 3600)).padStart(2, '0');
  const m = String(Math.floor((a % 3600) / 60)).padStart(2, '0');
  return style === 'plain' ? `${sign}${h}${m}` : `${sign}${h}:${m}`;
}

/** A wall time (seconds, micros) as text of the given shape; the offset is appended by the caller. */
function wallText(seconds: number, micros: number, shape: TextShape, maxFraction: number): string | ReverseFailure {
  const full = formatDateTime(seconds, micros);
  if (full === null) return new ReverseFailure('outside years 0001–9999');
  if (shape.dateOnly) {
    if (micros !== 0 || seconds % SECONDS_PER_DAY !== 0) return new ReverseFailure(`has a time of day, and the column holds dates only (${full.slice(0, 10)})`, full.slice(0, 10));
    return full.slice(0, 10);
  }
  // full = 'YYYY-MM-DD HH:MM:SS.ffffff'
  let digits = String(micros).padStart(6, '0').replace(/0+$/, '').length;
  if (digits > maxFraction) return new ReverseFailure(`has ${digits} fractional digits of a second, the format holds ${maxFraction}`);
  digits = Math.max(digits, Math.min(shape.fraction, 6));
  const base = full.slice(0, 10) + shape.sep + full.slice(11, 19);
  return digits === 0 ? base : `${base}.${full.slice(20, 20 + digits)}`;
}

function datetimeReverse(cast: DatetimeCast): ReverseConverter {
  const zone = TimeZone.load(cast.timeZone);
  const format = cast.format;
  const target = cast.target;
  const pattern = typeof format === 'object' ? compiledPattern(format.pattern) : null;
  return (canon, template) => {
    if (canon === null) return null;
    // The canonical text: epoch microseconds (timestamptz: UTC; timestamp: the wall time) or YYYY-MM-DD (date).
    let utcMicros: bigint | null = null;
    let wallMicros: bigint | null = null;
    if (target === 'date') {
      const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(canon);
      if (!m) return new ReverseFailure(`${canon} has no SQLite form (infinite or BC date)`);
      wallMicros = BigInt(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) * SECONDS_PER_DAY) * 1_000_000n;
    } else {
      if (!/^-?\d+$/.test(canon)) return new ReverseFailure(`${canon === 'Infinity' ? 'infinity' : canon === '-Infinity' ? '-infinity' : canon} has no SQLite form`);
      if (target === 'timestamptz') utcMicros = BigInt(canon);
      else wallMicros = BigInt(canon);
    }
    // Instant ⇄ wall time in the mapping's zone, as the forward cast applies them.
    const toWall = (u: bigint): bigint => {
      const s = Number(floorDiv(u, 1_000_000n));
      return u + BigInt(zone.offsetAt(s)) * 1_000_000n;
    };
    const toUtc = (w: bigint): bigint | ReverseFailure => {
      const s = Number(floorDiv(w, 1_000_000n));
      const i = zone.instantFor(s);
      if (Number.isNaN(i)) return new ReverseFailure(`did not exist in ${zone.name} (a daylight-saving gap)`);
      return w + BigInt(i - s) * 1_000_000n;
    };
    if (typeof format === 'object') {
      if (!pattern) return new ReverseFailure('no pattern'); // unreachable: compiled above
      // With an offset in the pattern: the instant, written in the zone's offset (or Z when the
      // template used Z); without: the wall time in the mapping's zone, as the forward cast reads it.
      let w: bigint;
      let off: number | null = null;
      if (pattern.offset) {
        const u = utcMicros ?? toUtc(wallMicros!);
        if (u instanceof ReverseFailure) return u;
        const z = zChar(template, pattern.value);
        // An offset the pattern's ±HH:MM cannot spell (seconds, e.g. a zone's local mean time): UTC, as exact.
        off = z !== null ? 0 : zone.offsetAt(Number(floorDiv(u, 1_000_000n)));
        if (off % 60 !== 0) off = 0;
        w = u + BigInt(off) * 1_000_000n;
        return patternText(pattern, w, off, z, template);
      }
      if (utcMicros !== null) {
        w = toWall(utcMicros);
        const back = toUtc(w);
        if (back instanceof ReverseFailure || back !== utcMicros) return new ReverseFailure(`falls in an hour ${zone.name} repeats (daylight-saving overlap): the pattern ${JSON.stringify(pattern.value.pattern)} has no offset to tell which`);
      } else w = wallMicros!;
      return patternText(pattern, w, off, null, template);
    }
    switch (format) {
      case 'unixepoch-s':
      case 'unixepoch-ms':
      case 'unixepoch-us': {
        const u = utcMicros ?? toUtc(wallMicros!);
        if (u instanceof ReverseFailure) return u;
        const unit = format === 'unixepoch-s' ? 1_000_000n : format === 'unixepoch-ms' ? 1000n : 1n;
        const whole = floorDiv(u, unit);
        if (whole * unit === u) return typeof template === 'number' ? Number(whole) : whole;
        if (format === 'unixepoch-s' && typeof template === 'number') return Number(u) / 1e6; // REAL seconds hold microseconds (round-tripped by the caller)
        const name = format === 'unixepoch-s' ? 'seconds' : 'milliseconds';
        return new ReverseFailure(`has a fraction of ${format === 'unixepoch-s' ? 'a second' : 'a millisecond'} (${u % unit} µs) that whole ${name} cannot hold`, roundDiv(u, unit));
      }
      case 'julianday': {
        const u = utcMicros ?? toUtc(wallMicros!);
        if (u instanceof ReverseFailure) return u;
        if (u % 1000n !== 0n) return new ReverseFailure(`has microseconds (${((u % 1000n) + 1000n) % 1000n} µs past the millisecond); a julian day holds milliseconds`, (Number(roundDiv(u, 1000n)) + UNIX_EPOCH_JD_MS) / 86_400_000);
        return (Number(u / 1000n) + UNIX_EPOCH_JD_MS) / 86_400_000;
      }
      case 'iso8601':
      case 'sqlite-datetime': {
        const shape = shapeOf(template, format);
        const maxFraction = format === 'iso8601' ? 6 : 3;
        if (target === 'date') {
          const d = formatDate(Number(wallMicros! / 1_000_000n / BigInt(SECONDS_PER_DAY)));
          if (d === null) return new ReverseFailure('outside years 0001–9999');
          return shape.dateOnly || typeof template !== 'string' ? d : `${d}${shape.sep}00:00:00`;
        }
        if (target === 'timestamp' || shape.offset === 'none') {
          // A naive text: the wall time in the mapping's zone (timestamp: the value itself).
          const w = wallMicros ?? toWall(utcMicros!);
          const s = Number(floorDiv(w, 1_000_000n));
          return wallText(s, Number(w - BigInt(s) * 1_000_000n), shape, maxFraction);
        }
        // With an offset: the zone's wall time and its offset (Z for UTC when the template used Z).
        const u = utcMicros!;
        const us = Number(floorDiv(u, 1_000_000n));
        const off = shape.offset === 'Z' ? 0 : zone.offsetAt(us);
        const w = u + BigInt(off) * 1_000_000n;
        const s = Number(floorDiv(w, 1_000_000n));
        const text = wallText(s, Number(w - BigInt(s) * 1_000_000n), shape, maxFraction);
        return text instanceof ReverseFailure ? text : text + offsetText(off, shape.offset);
      }
    }
  };
}

/** A compiled date pattern and which fields it holds. */
interface PatternInfo {
  readonly value: DatePattern;
  readonly offset: boolean;
  /** Finest field: the reverse refuses a value finer than it. */
  readonly finest: 'day' | 'hour' | 'minute' | 'second' | 'fraction';
  /** Set when a text of the pattern cannot be written so that it reads back the same. */
  readonly ambiguous: string | null;
}

function compiledPattern(text: string): PatternInfo {
  const value = compileDatePattern(text);
  const kinds = new Set(value.steps.map((x) => x.kind));
  const finest = kinds.has('fraction') ? 'fraction' : kinds.has('second') ? 'second' : kinds.has('minute') ? 'minute' : kinds.has('hour') ? 'hour' : 'day';
  // SSS reads every digit that follows: a digit right after it would be read as the fraction's.
  const i = value.steps.findIndex((x) => x.kind === 'fraction');
  const next = i >= 0 ? value.steps[i + 1] : undefined;
  const ambiguous = next?.kind === 'literal' && next.code >= 48 && next.code <= 57 ? `a digit follows SSS in the pattern ${JSON.stringify(text)}, so a written fraction would not read back the same` : null;
  return { value, offset: kinds.has('offset'), finest, ambiguous };
}

/** Where each step of the pattern sits in `t` (a value of the column), or null when `t` does not follow it. */
function templateSpans(t: SqliteValue | undefined, p: DatePattern): { kind: string; start: number; end: number }[] | null {
  if (typeof t !== 'string') return null;
  const out: { kind: string; start: number; end: number }[] = [];
  let pos = 0;
  for (const step of p.steps) {
    let end = pos;
    if (step.kind === 'literal') end = t.charCodeAt(pos) === step.code ? pos + 1 : -1;
    else if (step.kind === 'year') end = pos + 4;
    else if (step.kind === 'fraction') while (end < t.length && t.charCodeAt(end) >= 48 && t.charCodeAt(end) <= 57) end++;
    else if (step.kind === 'offset') end = t[pos] === 'Z' || t[pos] === 'z' ? pos + 1 : pos + 6;
    else end = pos + 2;
    if (end < 0 || end > t.length) return null;
    out.push({ kind: step.kind, start: pos, end });
    pos = end;
  }
  return pos === t.length ? out : null;
}

/** The `Z` (or `z`) the template wrote for UTC, or null when it wrote a numeric offset (or there is no template). */
function zChar(t: SqliteValue | undefined, p: DatePattern): string | null {
  const span = templateSpans(t, p)?.find((x) => x.kind === 'offset');
  if (!span || span.end - span.start !== 1) return null;
  return (t as string)[span.start]!;
}

/**
 * The wall time `w` (µs) as text of the pattern, with `off` (seconds east of UTC) for its offset
 * field; `z` writes UTC as the template did. Refused when the value is finer than the pattern's
 * finest field, or outside years 0001–9999. The fraction has as many digits as the template's
 * (3 without one), more when the value needs them.
 */
function patternText(p: PatternInfo, w: bigint, off: number | null, z: string | null, template: SqliteValue | undefined): SqliteValue | ReverseFailure {
  if (p.ambiguous) return new ReverseFailure(p.ambiguous);
  const s = Number(floorDiv(w, 1_000_000n));
  const micros = Number(w - BigInt(s) * 1_000_000n);
  const full = formatDateTime(s, micros);
  if (full === null) return new ReverseFailure('outside years 0001–9999');
  // full = 'YYYY-MM-DD HH:MM:SS.ffffff'
  const holds = `the pattern ${JSON.stringify(p.value.pattern)} holds`;
  const sod = s - Math.floor(s / SECONDS_PER_DAY) * SECONDS_PER_DAY;
  if (p.finest === 'day' && (sod !== 0 || micros !== 0)) return new ReverseFailure(`has a time of day (${full.slice(11, 19)}${micros ? full.slice(19) : ''}), ${holds} dates only`);
  if (p.finest === 'hour' && (sod % 3600 !== 0 || micros !== 0)) return new ReverseFailure(`has minutes or seconds (${full.slice(11, 19)}), ${holds} whole hours`);
  if (p.finest === 'minute' && (sod % 60 !== 0 || micros !== 0)) return new ReverseFailure(`has seconds (${full.slice(11, 19)}${micros ? full.slice(19) : ''}), ${holds} whole minutes`);
  if (p.finest === 'second' && micros !== 0) return new ReverseFailure(`has a fraction of a second (${full.slice(19)}), ${holds} whole seconds`);
  const needed = String(micros).padStart(6, '0').replace(/0+$/, '').length;
  const span = templateSpans(template, p.value)?.find((x) => x.kind === 'fraction');
  const width = Math.min(6, Math.max(1, needed, span ? span.end - span.start : 3));
  let out = '';
  for (const step of p.value.steps) {
    switch (step.kind) {
      case 'literal':
        out += String.fromCharCode(step.code);
        break;
      case 'year':
        out += full.slice(0, 4);
        break;
      case 'month':
        out += full.slice(5, 7);
        break;
      case 'day':
        out += full.slice(8, 10);
        break;
      case 'hour':
        out += full.slice(11, 13);
        break;
      case 'minute':
        out += full.slice(14, 16);
        break;
      case 'second':
        out += full.slice(17, 19);
        break;
      case 'fraction':
        out += full.slice(20, 20 + width);
        break;
      case 'offset':
        out += z !== null && off === 0 ? z : offsetText(off ?? 0, 'colon');
        break;
    }
  }
  return out;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b > a ? q - 1n : q;
}

function roundDiv(a: bigint, b: bigint): bigint {
  return floorDiv(a * 2n + b, b * 2n);
}
