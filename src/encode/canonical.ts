/**
 * The canonical text of a value, per target type, on both sides of the migration: the JS side
 * computes it from the PostgreSQL input text the loader sends ("pgText"), the SQL side from the
 * loaded column inside PostgreSQL. Equal stored values give equal canonical texts, any other
 * difference gives different ones. See DESIGN.md, "Checksums are cross-engine by construction".
 *
 * Canonical per kind (JS ⇄ SQL):
 * | kind / target        | canonical text                                   | SQL                                           |
 * |----------------------|--------------------------------------------------|-----------------------------------------------|
 * | text                 | the text                                         | `x::text`                                     |
 * | integer              | decimal                                          | `x::text`                                     |
 * | float8               | 16 lowercase hex digits of the IEEE-754 bits, BE | `encode(float8send(x), 'hex')`                |
 * | numeric              | decimal, no trailing fractional zeros, no `-0`   | `trim_scale(x)::text`                         |
 * | boolean              | `t` / `f`                                        | `CASE x WHEN true THEN 't' WHEN false ...`    |
 * | bytea                | lowercase hex, no `\x`                           | `encode(x, 'hex')`                            |
 * | json → json          | the text as sent (json keeps it verbatim)        | `x::text`                                     |
 * | json → jsonb         | PostgreSQL's jsonb output (canonicalJsonb)       | `x::text`                                     |
 * | timestamptz/timestamp| microseconds since 1970-01-01 00:00 UTC, decimal | `trim_scale(extract(epoch from x) * 1000000)::text` |
 * | date                 | `YYYY-MM-DD`                                     | `to_char(x, 'YYYY-MM-DD')` (*)                |
 * | uuid                 | lowercase, hyphenated                            | `x::text`                                     |
 *
 * (*) Values the loader never sends (years outside 1–9999: BC dates, ±infinity) get forms of their
 * own on the SQL side (`Infinity`, `2024-01-24 BC`, `infinity`), so such a target value differs
 * from every source value instead of colliding with one or failing the checksum query.
 *
 * Pure: no I/O.
 */
import type { ColumnCast } from '../model/plan.js';
import { canonicalJsonb } from './canonical-json.js';

const identity = (pgText: string): string => pgText;

/**
 * JS side: pgText (non-null) → canonical text for this cast. Throws JsonCanonicalError for
 * invalid jsonb input; throws a plain Error for text that breaks the loader's pgText contract
 * (e.g. `abc` for a float8), which is a bug in the loader, not bad data.
 */
export function canonicalizer(cast: ColumnCast): (pgText: string) => string {
  switch (cast.kind) {
    case 'text':
    case 'integer':
      return identity;
    case 'float8':
      return canonicalFloat8;
    case 'numeric':
      return canonicalNumeric;
    case 'boolean':
      return canonicalBoolean;
    case 'bytea':
      return canonicalBytea;
    case 'json':
      return cast.target === 'jsonb' ? canonicalJsonb : identity;
    case 'datetime':
      switch (cast.target) {
        case 'timestamptz':
          return canonicalTimestamptz;
        case 'timestamp':
          return canonicalTimestamp;
        case 'date':
          return identity;
      }
      break;
    case 'uuid':
      return canonicalUuid;
  }
  return unreachable(cast);
}

/**
 * SQL side: an expression yielding the same canonical text from a column reference (already
 * quoted) of the target column type. The expression is strict (NULL in, NULL out) and depends on
 * no session setting (DateStyle, TimeZone, IntervalStyle, extra_float_digits, bytea_output,
 * lc_*, standard_conforming_strings: its literals hold no backslash). Needs PostgreSQL ≥ 14
 * (`extract` returns an exact numeric since 14; `trim_scale` exists since 13).
 */
export function canonicalSql(cast: ColumnCast, columnRef: string): string {
  const x = `(${columnRef})`;
  switch (cast.kind) {
    case 'text':
    case 'integer':
    case 'uuid':
      // uuid_out prints lowercase hyphenated; int2/4/8out print plain decimal.
      return `${x}::text`;
    case 'float8':
      // The bits themselves: independent of extra_float_digits, and -0 ≠ 0, NaN = NaN as stored.
      // https://www.postgresql.org/docs/current/functions-binarystring.html (encode)
      return `encode(float8send(${x}), 'hex')`;
    case 'numeric':
      // trim_scale drops the trailing zeros a numeric(p,s) typmod pads with; numeric never holds -0.
      // https://www.postgresql.org/docs/current/functions-math.html (trim_scale)
      return `trim_scale(${x})::text`;
    case 'boolean':
      // bool::text is 'true'/'false' (booltext), boolout's 't'/'f' is what COPY sent. A CASE on
      // the value keeps NULL as NULL.
      return `CASE ${x} WHEN true THEN 't' WHEN false THEN 'f' END`;
    case 'bytea':
      return `encode(${x}, 'hex')`;
    case 'json':
      // json keeps its input text verbatim; jsonb::text is jsonb's canonical output.
      return `${x}::text`;
    case 'datetime':
      switch (cast.target) {
        case 'timestamptz':
        case 'timestamp':
          // Since PostgreSQL 14 extract() returns numeric: exact microseconds (scale 6, which
          // trim_scale drops), and ±Infinity for ±infinity, where a ::bigint cast would fail the
          // whole checksum query. For timestamp it is the nominal epoch, without regard to TimeZone.
          // https://www.postgresql.org/docs/current/functions-datetime.html#FUNCTIONS-DATETIME-EXTRACT
          return `trim_scale(extract(epoch from ${x}) * 1000000)::text`;
        case 'date':
          // to_char pads YYYY to 4 digits (year 0099) and ignores DateStyle, but prints 1 BC as
          // 0001 (colliding with AD 1) and ±infinity as NULL (colliding with NULL): those get
          // forms of their own. infinity::text is `infinity` in every DateStyle; extract(year)
          // of 1 BC is -1. NULL stays NULL through every branch.
          return `CASE WHEN NOT isfinite(${x}) THEN ${x}::text WHEN extract(year from ${x}) < 0 THEN to_char(${x}, 'YYYY-MM-DD BC') ELSE to_char(${x}, 'YYYY-MM-DD') END`;
      }
      break;
  }
  return unreachable(cast);
}

/**
 * Row form: canonical values (null = SQL NULL) → one unambiguous string: per column, NULL → '-'
 * else `${utf8ByteLength}:${canon}`, concatenated. A length never starts with '-', and the length
 * prefix fixes where each value ends, so no two different rows share a form.
 */
export function canonicalRow(canon: readonly (string | null)[]): string {
  let out = '';
  for (let i = 0; i < canon.length; i++) {
    const v = canon[i];
    if (v === null || v === undefined) out += '-';
    else out += utf8Length(v) + ':' + v;
  }
  return out;
}

/** SQL twin of canonicalRow over the table's columns (in order), NULL → '-', using octet_length. */
export function canonicalRowSql(columns: readonly { cast: ColumnCast; ref: string }[]): string {
  return rowFormSql(columns.map((c) => canonicalSql(c.cast, c.ref)));
}

/**
 * The row form over expressions that already yield canonical text (or NULL). Each expression
 * appears twice; callers that mind the cost pass plain column references of a subquery.
 * octet_length counts bytes in the server encoding, which must be UTF8.
 *
 * `notNull[i]`: column i is declared NOT NULL, so its canonical text is never NULL (no
 * canonicalSql form maps a value to NULL) and the `'-'` branch can go: the same bytes, ~6% less
 * server CPU for the checksum query (1.1M benchmark rows, 4.05 → 3.78 s, 2026-12-08). Should such
 * a column hold a NULL after all (a live table altered since), the row form is NULL, its md5
 * NULL, and the row drops out of the sum while count(*) keeps it: the checksum still differs.
 */
export function rowFormSql(canonicalExprs: readonly string[], notNull: readonly boolean[] = []): string {
  if (canonicalExprs.length === 0) return `''`;
  return canonicalExprs.map((e, i) => (notNull[i] ? `octet_length(${e})::text || ':' || ${e}` : `COALESCE(octet_length(${e})::text || ':' || ${e}, '-')`)).join(' || ');
}

/**
 * UTF-8 byte length. A JS loop beats the Buffer.byteLength call for short strings; long ones go
 * to the native counter. Lone surrogates count 3 bytes, as U+FFFD, which is how Buffer encodes them.
 */
export function utf8Length(text: string): number {
  const n = text.length;
  if (n > 64) return Buffer.byteLength(text, 'utf8');
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // the pair: 2 units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

function unreachable(cast: never): never {
  throw new Error(`unknown cast kind: ${JSON.stringify(cast)}`);
}

function contractError(kind: string, pgText: string): Error {
  const shown = pgText.length > 60 ? pgText.slice(0, 60) + '…' : pgText;
  return new Error(`not ${kind} input text as the loader produces it: ${JSON.stringify(shown)}`);
}

// float8 -----------------------------------------------------------------------------------------

const float8View = new DataView(new ArrayBuffer(8));

function hex8(n: number): string {
  const h = n.toString(16);
  return h.length === 8 ? h : '00000000'.slice(h.length) + h;
}

/**
 * float8: the IEEE-754 bits, big-endian hex, as float8send sends them. JS Number() and
 * PostgreSQL's float8in (strtod) both round correctly, so the shortest round-trip text, `-0`,
 * `Infinity` and subnormals such as `5e-324` parse to the same bits on both sides.
 * https://github.com/postgres/postgres/blob/REL_17_STABLE/src/backend/utils/adt/float.c (float8in_internal)
 */
function canonicalFloat8(pgText: string): string {
  const x = Number(pgText);
  if (pgText.length === 0 || (x !== x && pgText !== 'NaN')) throw contractError('float8', pgText);
  float8View.setFloat64(0, x);
  return hex8(float8View.getUint32(0)) + hex8(float8View.getUint32(4));
}

// numeric ----------------------------------------------------------------------------------------

/**
 * numeric: trim_scale(x)::text of the stored value: the decimal without trailing fractional
 * zeros or a trailing point, without leading integer zeros, and `0` for any zero.
 * NaN and ±Infinity print as themselves.
 */
function canonicalNumeric(pgText: string): string {
  const t = pgText;
  const n = t.length;
  let i = 0;
  let negative = false;
  const c0 = t.charCodeAt(0);
  if (c0 === 0x2d /* - */) {
    negative = true;
    i = 1;
  } else if (c0 === 0x2b /* + */) i = 1;
  else if (c0 === 0x4e /* N */ || c0 === 0x49 /* I */) {
    if (t === 'NaN' || t === 'Infinity') return t;
    throw contractError('numeric', t);
  }
  if (negative && t === '-Infinity') return t;
  const intStart = i;
  while (i < n && isDigit(t.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < n && t.charCodeAt(i) === 0x2e /* . */) {
    i++;
    fracStart = i;
    while (i < n && isDigit(t.charCodeAt(i))) i++;
    fracEnd = i;
  }
  if (i !== n || (intEnd === intStart && fracEnd === fracStart)) throw contractError('numeric', t);
  let a = intStart;
  while (a < intEnd && t.charCodeAt(a) === 0x30) a++;
  let b = fracEnd;
  while (b > fracStart && t.charCodeAt(b - 1) === 0x30) b--;
  const intPart = a === intEnd ? '0' : t.slice(a, intEnd);
  if (b === fracStart) return negative && intPart !== '0' ? '-' + intPart : intPart;
  const out = intPart + '.' + t.slice(fracStart, b);
  return negative ? '-' + out : out;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

// boolean, bytea, uuid ---------------------------------------------------------------------------

function canonicalBoolean(pgText: string): string {
  if (pgText === 't' || pgText === 'f') return pgText;
  throw contractError('boolean', pgText);
}

function canonicalBytea(pgText: string): string {
  if (pgText.charCodeAt(0) !== 0x5c || pgText.charCodeAt(1) !== 0x78) throw contractError('bytea', pgText);
  return pgText.slice(2).toLowerCase();
}

function canonicalUuid(pgText: string): string {
  return pgText.toLowerCase();
}

// timestamps -------------------------------------------------------------------------------------

function canonicalTimestamptz(pgText: string): string {
  return epochMicros(pgText, true);
}

function canonicalTimestamp(pgText: string): string {
  return epochMicros(pgText, false);
}

function digits(t: string, at: number, count: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) {
    const d = t.charCodeAt(at + k) - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff][offset]` → microseconds since the epoch as decimal text.
 * The offset is `+00` in the loader's contract; `±HH[:MM[:SS]]` and `Z` are understood too.
 * For `timestamp` PostgreSQL silently ignores a zone in the literal, and so does this.
 * https://www.postgresql.org/docs/current/datatype-datetime.html#DATATYPE-TIMESTAMPS
 * Years 1–9999 need up to 2.6e17 µs, beyond 2^53: the text is assembled from whole seconds
 * (exact as a double) and the 6-digit microsecond part, without BigInt.
 */
function epochMicros(t: string, zoned: boolean): string {
  const n = t.length;
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  const hour = digits(t, 11, 2);
  const minute = digits(t, 14, 2);
  const second = digits(t, 17, 2);
  const sep = t.charCodeAt(10);
  if (
    n < 19 ||
    (year | month | day | hour | minute | second) < 0 ||
    t.charCodeAt(4) !== 0x2d ||
    t.charCodeAt(7) !== 0x2d ||
    (sep !== 0x20 && sep !== 0x54) ||
    t.charCodeAt(13) !== 0x3a ||
    t.charCodeAt(16) !== 0x3a
  ) {
    throw contractError(zoned ? 'timestamptz' : 'timestamp', t);
  }
  let i = 19;
  let micros = 0;
  if (t.charCodeAt(i) === 0x2e /* . */) {
    i++;
    let k = 0;
    while (k < 6 && isDigit(t.charCodeAt(i))) {
      micros = micros * 10 + (t.charCodeAt(i) - 0x30);
      i++;
      k++;
    }
    // More than 6 digits would be rounded by PostgreSQL; the contract never sends them.
    if (k === 0 || isDigit(t.charCodeAt(i))) throw contractError('timestamp', t);
    for (; k < 6; k++) micros *= 10;
  }
  let offset = 0;
  if (i < n) {
    const c = t.charCodeAt(i);
    if (c === 0x5a /* Z */) i++;
    else if (c === 0x2b || c === 0x2d) {
      const oh = digits(t, i + 1, 2);
      if (oh < 0) throw contractError('timestamptz', t);
      i += 3;
      let om = 0;
      let os = 0;
      if (t.charCodeAt(i) === 0x3a) {
        om = digits(t, i + 1, 2);
        i += 3;
        if (t.charCodeAt(i) === 0x3a) {
          os = digits(t, i + 1, 2);
          i += 3;
        }
      }
      if ((om | os) < 0) throw contractError('timestamptz', t);
      offset = (c === 0x2d ? -1 : 1) * (oh * 3600 + om * 60 + os);
    }
    if (i !== n) throw contractError(zoned ? 'timestamptz' : 'timestamp', t);
    if (!zoned) offset = 0;
  }
  const leap = month === 2 && (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 1 : 0;
  if (
    year < 1 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > DAYS_IN_MONTH[month - 1]! + leap ||
    minute > 59 ||
    // PostgreSQL accepts 24:00:00 and a leap second :60 (with no fraction), rolling them over.
    hour > 24 ||
    second > 60 ||
    (hour === 24 && (minute | second | micros) !== 0) ||
    (second === 60 && micros !== 0)
  ) {
    throw contractError(zoned ? 'timestamptz' : 'timestamp', t);
  }
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return microsText(seconds, micros);
}

/**
 * The canonical form of a timestamptz or timestamp from the moment its converter wrote the text
 * for (plan/casts MomentConverter): the same text canonicalizer(cast)(pgText) gives by parsing
 * that text back, without the parse (~0.6 µs per value, 2026-12-07). Comparing PostgreSQL's
 * stored value with the moment meant, not with the text sent, also catches a text that does not
 * say that moment.
 */
export function momentCanonical(m: { readonly seconds: number; readonly micros: number }): string {
  return microsText(m.seconds, m.micros);
}

/** `seconds * 1e6 + micros` as exact decimal text, for |seconds| < 2^53 / 1e6 · 1e6. */
function microsText(seconds: number, micros: number): string {
  if (seconds >= 0) return seconds === 0 ? String(micros) : seconds + pad6(micros);
  if (micros === 0) return seconds + '000000';
  // seconds < 0 < micros: -(|seconds + 1| · 1e6 + (1e6 - micros))
  const whole = -(seconds + 1);
  const rest = 1_000_000 - micros;
  return whole === 0 ? '-' + rest : '-' + whole + pad6(rest);
}

function pad6(n: number): string {
  const s = String(n);
  return s.length === 6 ? s : '000000'.slice(s.length) + s;
}
