import { daysInMonth } from './calendar.js';

/**
 * Parsers for date/time text. They scan character codes into a caller-owned DateTimeFields
 * (one per converter, reused for every value) and return null on success or the reason a value
 * is rejected, so the hot path allocates nothing and throws nothing.
 */

/** The fields of one date/time text, as written. Reused between values: read them right after a parse. */
export interface DateTimeFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of the second in microseconds, 0–999999. */
  micros: number;
  /** Whether the text had a time part at all (a bare date is midnight). */
  hasTime: boolean;
  /** Seconds east of UTC written in the text, or NaN when the text is naive (no offset). */
  offset: number;
}

export function newDateTimeFields(): DateTimeFields {
  return { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, micros: 0, hasTime: false, offset: NaN };
}

function reset(f: DateTimeFields): void {
  f.hour = 0;
  f.minute = 0;
  f.second = 0;
  f.micros = 0;
  f.hasTime = false;
  f.offset = NaN;
}

/** One ASCII digit at i, or -1 (also past the end: NaN fails both comparisons). */
function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

function digits2(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

function digits4(s: string, i: number): number {
  const a = digits2(s, i);
  const b = digits2(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

const COLON = 58;
const DASH = 45;
const PLUS = 43;
const DOT = 46;
const SPACE = 32;

/** Result of a fraction scan: the position after it, or a negative code. */
const FRACTION_SYNTAX = -1;
const FRACTION_ROUNDS = -2;

/**
 * Scan 1..maxDigits fraction digits at `start` into f.micros. Digits beyond the sixth must be
 * zeros: PostgreSQL keeps microseconds and would round the rest
 * (https://www.postgresql.org/docs/current/datatype-datetime.html).
 */
function scanFraction(s: string, start: number, maxDigits: number, f: DateTimeFields): number {
  let end = start;
  let micros = 0;
  let rounds = false;
  for (;;) {
    const d = digit(s, end);
    if (d < 0) break;
    if (end - start < 6) micros = micros * 10 + d;
    else if (d !== 0) rounds = true;
    end++;
  }
  const n = end - start;
  if (n === 0 || n > maxDigits) return FRACTION_SYNTAX;
  if (rounds) return FRACTION_ROUNDS;
  for (let i = n; i < 6; i++) micros *= 10;
  f.micros = micros;
  return end;
}

/** Scan `Z` or `±HH:MM` (and with `compact`, also `±HHMM` and `±HH`) at i into f.offset; the position after it or -1. */
function scanOffset(s: string, i: number, compact: boolean, f: DateTimeFields): number {
  const c = s.charCodeAt(i);
  if (c === 90 || c === 122) {
    // 'Z' or 'z': RFC 3339 allows lower case. https://www.rfc-editor.org/rfc/rfc3339#section-5.6
    f.offset = 0;
    return i + 1;
  }
  if (c !== PLUS && c !== DASH) return -1;
  const hours = digits2(s, i + 1);
  let minutes = 0;
  let end = i + 3;
  if (s.charCodeAt(end) === COLON) {
    minutes = digits2(s, end + 1);
    end += 3;
  } else if (!compact) {
    return -1;
  } else if (digit(s, end) >= 0) {
    minutes = digits2(s, end);
    end += 2;
  }
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return -1;
  f.offset = (c === DASH ? -1 : 1) * (hours * 3600 + minutes * 60);
  return end;
}

/** What a family of date texts allows around the common `YYYY-MM-DD[ HH:MM[:SS[.f]]]` core. */
export interface DateTextSyntax {
  /** Name used in messages, e.g. `iso8601`. */
  readonly name: string;
  readonly expected: string;
  /** `T` (or `t`) between date and time, besides a space. */
  readonly allowT: boolean;
  readonly allowOffset: boolean;
  readonly maxFractionDigits: number;
}

function syntaxReason(syntax: DateTextSyntax): string {
  return `is not ${syntax.name} text (expected ${syntax.expected})`;
}

/**
 * ISO 8601 / RFC 3339 as applications write it: `YYYY-MM-DD`, then optionally `T` or space,
 * `HH:MM`, `:SS`, `.f` (1–9 digits), and `Z`, `±HH:MM`, `±HHMM` or `±HH`.
 * https://www.rfc-editor.org/rfc/rfc3339#section-5.6
 */
export const ISO8601: DateTextSyntax = {
  name: 'iso8601',
  expected: 'YYYY-MM-DD[THH:MM[:SS[.fffffffff]]][Z|±HH:MM]',
  allowT: true,
  allowOffset: true,
  maxFractionDigits: 9,
};

/**
 * What SQLite's date functions write: `YYYY-MM-DD HH:MM:SS` (datetime()), `YYYY-MM-DD` (date()),
 * `...SS.SSS` (strftime %f). Space separator, no offset. https://www.sqlite.org/lang_datefunc.html
 */
export const SQLITE_DATETIME: DateTextSyntax = {
  name: 'sqlite-datetime',
  expected: 'YYYY-MM-DD[ HH:MM[:SS[.SSS]]]',
  allowT: false,
  allowOffset: false,
  maxFractionDigits: Infinity,
};

/** Parse `s` by `syntax` into f; null on success, else the reason (to follow the value's description). */
export function parseDateText(s: string, syntax: DateTextSyntax, f: DateTimeFields): string | null {
  reset(f);
  const len = s.length;
  f.year = digits4(s, 0);
  f.month = digits2(s, 5);
  f.day = digits2(s, 8);
  if (f.year < 0 || f.month < 0 || f.day < 0 || s.charCodeAt(4) !== DASH || s.charCodeAt(7) !== DASH) return syntaxReason(syntax);
  if (len === 10) return checkFields(f);
  const sep = s.charCodeAt(10);
  if (!(sep === SPACE || (syntax.allowT && (sep === 84 || sep === 116)))) return syntaxReason(syntax);
  f.hour = digits2(s, 11);
  f.minute = digits2(s, 14);
  if (f.hour < 0 || f.minute < 0 || s.charCodeAt(13) !== COLON) return syntaxReason(syntax);
  f.hasTime = true;
  let pos = 16;
  if (s.charCodeAt(pos) === COLON) {
    f.second = digits2(s, pos + 1);
    if (f.second < 0) return syntaxReason(syntax);
    pos += 3;
    if (s.charCodeAt(pos) === DOT) {
      pos = scanFraction(s, pos + 1, syntax.maxFractionDigits, f);
      if (pos === FRACTION_ROUNDS) return FRACTION_ROUNDS_REASON;
      if (pos < 0) return syntaxReason(syntax);
    }
  }
  if (pos < len && syntax.allowOffset) {
    pos = scanOffset(s, pos, true, f);
    if (pos < 0) return syntaxReason(syntax);
  }
  if (pos !== len) return syntaxReason(syntax);
  return checkFields(f);
}

const FRACTION_ROUNDS_REASON = 'has non-zero digits beyond microseconds: PostgreSQL would round them';

/** One step of a compiled pattern. */
type FieldKind = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'fraction' | 'offset';
type PatternStep = { readonly kind: FieldKind } | { readonly kind: 'literal'; readonly code: number };

/** A date pattern compiled once per column. */
export interface DatePattern {
  readonly pattern: string;
  readonly steps: readonly PatternStep[];
}

/** Longest tokens first, so `YYYY` is not read as anything shorter. */
const TOKENS: readonly (readonly [string, FieldKind])[] = [
  ['YYYY', 'year'],
  ['SSS', 'fraction'],
  ['MM', 'month'],
  ['DD', 'day'],
  ['HH', 'hour'],
  ['mm', 'minute'],
  ['ss', 'second'],
  ['Z', 'offset'],
];

/**
 * Compile a pattern such as `DD/MM/YYYY HH:mm:ss`: tokens `YYYY MM DD HH mm ss` (fixed width),
 * `SSS` (1–6 fraction digits), `Z` (`Z` or `±HH:MM`); every other character is a literal.
 * Throws a plain Error for a pattern that cannot describe a date (the mapping validator reports it).
 */
export function compileDatePattern(pattern: string): DatePattern {
  const steps: PatternStep[] = [];
  const seen = new Set<string>();
  let i = 0;
  outer: while (i < pattern.length) {
    for (const [token, kind] of TOKENS) {
      if (pattern.startsWith(token, i)) {
        if (seen.has(kind)) throw new Error(`date pattern ${JSON.stringify(pattern)} has ${token} twice`);
        seen.add(kind);
        steps.push({ kind });
        i += token.length;
        continue outer;
      }
    }
    steps.push({ kind: 'literal', code: pattern.charCodeAt(i) });
    i++;
  }
  const missing = [
    ['YYYY', 'year'],
    ['MM', 'month'],
    ['DD', 'day'],
  ]
    .filter(([, kind]) => !seen.has(kind!))
    .map(([token]) => token);
  if (missing.length > 0) throw new Error(`date pattern ${JSON.stringify(pattern)} lacks ${missing.join(', ')}`);
  const needs: readonly (readonly [string, string, string, string])[] = [
    ['minute', 'hour', 'mm', 'HH'],
    ['second', 'minute', 'ss', 'mm'],
    ['fraction', 'second', 'SSS', 'ss'],
  ];
  for (const [kind, requires, token, requiredToken] of needs) {
    if (seen.has(kind) && !seen.has(requires)) throw new Error(`date pattern ${JSON.stringify(pattern)} has ${token} without ${requiredToken}`);
  }
  if (seen.has('offset') && !seen.has('hour')) throw new Error(`date pattern ${JSON.stringify(pattern)} has an offset (Z) without a time (HH)`);
  return { pattern, steps };
}

function patternReason(p: DatePattern): string {
  return `does not match the pattern ${JSON.stringify(p.pattern)}`;
}

/** Parse `s` by a compiled pattern into f; null on success, else the reason. */
export function parseWithPattern(s: string, p: DatePattern, f: DateTimeFields): string | null {
  reset(f);
  let pos = 0;
  for (const step of p.steps) {
    switch (step.kind) {
      case 'literal':
        if (s.charCodeAt(pos) !== step.code) return patternReason(p);
        pos++;
        break;
      case 'year':
        f.year = digits4(s, pos);
        if (f.year < 0) return patternReason(p);
        pos += 4;
        break;
      case 'fraction':
        pos = scanFraction(s, pos, 6, f);
        if (pos < 0) return patternReason(p);
        break;
      case 'offset':
        pos = scanOffset(s, pos, false, f);
        if (pos < 0) return patternReason(p);
        break;
      default: {
        const n = digits2(s, pos);
        if (n < 0) return patternReason(p);
        pos += 2;
        if (step.kind === 'month') f.month = n;
        else if (step.kind === 'day') f.day = n;
        else if (step.kind === 'hour') {
          f.hour = n;
          f.hasTime = true;
        } else if (step.kind === 'minute') f.minute = n;
        else f.second = n;
      }
    }
  }
  if (pos !== s.length) return patternReason(p);
  return checkFields(f);
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Real calendar dates and clock times only; nothing is rolled over (PostgreSQL itself rejects
 * 2024-02-30, but it turns 23:59:60 into the next minute, so we catch that here).
 */
export function checkFields(f: DateTimeFields): string | null {
  if (f.year < 1) return 'is outside years 0001–9999';
  if (f.month < 1 || f.month > 12) return `is not a real date: there is no month ${f.month}`;
  const monthDays = daysInMonth(f.year, f.month);
  if (f.day < 1 || f.day > monthDays) {
    return `is not a real date: ${MONTH_NAMES[f.month - 1]} ${f.year} has ${monthDays} days`;
  }
  if (f.hour > 23) return `is not a real time: hour ${f.hour}`;
  if (f.minute > 59) return `is not a real time: minute ${f.minute}`;
  if (f.second === 60) return 'is a leap second (:60), which PostgreSQL would roll over into the next minute';
  if (f.second > 59) return `is not a real time: second ${f.second}`;
  return null;
}
