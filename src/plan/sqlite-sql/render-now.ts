/**
 * SQLite's date and time functions (`datetime('now')`, `strftime('%s','now')`, `CURRENT_TIMESTAMP`,
 * ...) as PostgreSQL, for the value family the result lands in.
 * https://www.sqlite.org/lang_datefunc.html
 *
 * SQLite computes "now" in UTC and returns text (`YYYY-MM-DD HH:MM:SS`), an integer (unixepoch)
 * or a real (julianday). The same instant is written differently for a timestamptz column
 * (the instant itself), a timestamp column (UTC wall time, what SQLite printed) or a text column
 * (the exact text SQLite would have stored).
 */
import { daysFromCivil, daysInMonth } from '../casts/calendar.js';
import { quoteLiteral } from '../identifiers.js';
import { withArticle, type TargetKind } from './target-kind.js';
import { Untranslatable } from './translation.js';

/** The SQLite functions handled here. */
export const TIME_FUNCTIONS: ReadonlySet<string> = new Set(['date', 'time', 'datetime', 'julianday', 'unixepoch', 'strftime', 'timediff']);

/**
 * A point in time as PostgreSQL SQL, in one of three forms:
 * `instant` (a timestamptz), `utc` (a timestamp holding UTC wall time),
 * `local` (a timestamp holding the session time zone's wall time, after SQLite's 'localtime').
 */
interface Moment {
  readonly sql: string;
  readonly form: 'instant' | 'utc' | 'local';
}

/** What SQLite returns: text of some shape, an epoch number, or a Julian day number. */
export type NowShape = 'datetime' | 'date' | 'time' | 'epoch' | 'epoch-subsec' | 'julianday' | { readonly format: string };

/** A SQLite expression of "now", with its modifiers applied. */
export interface NowValue {
  readonly moment: Moment;
  readonly shape: NowShape;
  /** The 'subsec' modifier: text results carry milliseconds. */
  readonly subsec: boolean;
  readonly notes: readonly string[];
}

/** A call whose result is known at translation time, e.g. `datetime('1997-01-01')`. */
export interface ConstantTime {
  readonly sql: string;
  readonly note: string;
}

/** `CURRENT_TIMESTAMP`, `CURRENT_DATE`, `CURRENT_TIME`: UTC text in SQLite. https://www.sqlite.org/lang_createtable.html#the_default_clause */
export function nowKeyword(keyword: string, nowSql: string): NowValue | null {
  const shape = keyword === 'CURRENT_TIMESTAMP' ? 'datetime' : keyword === 'CURRENT_DATE' ? 'date' : keyword === 'CURRENT_TIME' ? 'time' : null;
  if (shape === null) return null;
  return { moment: { sql: nowSql, form: 'instant' }, shape, subsec: false, notes: [] };
}

/**
 * Read a call of one of TIME_FUNCTIONS. `args` holds each argument's value when it is a string
 * literal, null otherwise. Returns a NowValue for 'now', a constant for a literal date, and
 * throws Untranslatable for anything that depends on stored values (their format is a mapping
 * decision, not something an expression can know).
 */
export function readTimeCall(name: string, args: readonly (string | null)[], nowSql: string): NowValue | ConstantTime {
  if (name === 'timediff') throw new Untranslatable('timediff() has no PostgreSQL translation');
  let shape: NowShape;
  let rest: readonly (string | null)[];
  if (name === 'strftime') {
    const format = args[0];
    if (format === null || format === undefined) throw new Untranslatable('strftime() with a non-constant format has no PostgreSQL translation');
    shape = shapeOfFormat(format);
    rest = args.slice(1);
  } else {
    shape = name === 'datetime' ? 'datetime' : name === 'date' ? 'date' : name === 'time' ? 'time' : name === 'julianday' ? 'julianday' : 'epoch';
    rest = args;
  }
  // With no time value, every one of these functions means 'now'.
  const timeValue = rest.length === 0 ? 'now' : rest[0];
  const modifiers = rest.slice(1);
  if (timeValue === null || timeValue === undefined || modifiers.some((m) => m === null)) {
    throw new Untranslatable(`${name}() on a column or computed value depends on how the dates are stored; it has no direct PostgreSQL translation`);
  }
  if (timeValue.trim().toLowerCase() === 'now') return applyModifiers({ sql: nowSql, form: 'instant' }, shape, modifiers as string[], nowSql);
  if (modifiers.length > 0) throw new Untranslatable(`${name}() with modifiers on a constant date is not translated`);
  return foldConstant(name, shape, timeValue);
}

const UNITS = /^([+-]?\d+(?:\.\d+)?)\s*(day|hour|minute|second|month|year)s?$/;

function applyModifiers(start: Moment, shape: NowShape, modifiers: readonly string[], nowSql: string): NowValue {
  let moment = start;
  let subsec = false;
  let local = false;
  const notes: string[] = [];
  for (const raw of modifiers) {
    const m = raw.trim().toLowerCase().replace(/\s+/g, ' ');
    const unit = UNITS.exec(m);
    if (unit) {
      const [, amount = '', name = ''] = unit;
      const interval = `interval ${quoteLiteral(`${amount.replace(/^\+/, '')} ${name}`)}`;
      // Calendar units are added to the wall time SQLite works in (UTC), not in the session zone.
      if (name === 'day' || name === 'month' || name === 'year') moment = { sql: wrap(toWallTime(moment)), form: moment.form === 'local' ? 'local' : 'utc' };
      moment = { sql: `(${moment.sql} + ${interval})`, form: moment.form };
      if (name === 'month' || name === 'year') notes.push(`'${raw}': SQLite rolls an overflowing day into the next month (Jan 31 + 1 month = Mar 3), PostgreSQL clamps it to the month's last day`);
    } else if (m === 'start of day' || m === 'start of month' || m === 'start of year') {
      moment = { sql: `date_trunc(${quoteLiteral(m.slice(9))}, ${toWallTime(moment)})`, form: moment.form === 'local' ? 'local' : 'utc' };
    } else if (m === 'localtime') {
      if (local) throw new Untranslatable(`the modifier 'localtime' applied twice has no PostgreSQL translation`);
      local = true;
      moment = { sql: moment.sql === nowSql ? 'LOCALTIMESTAMP' : `${wrap(toInstant(moment))}::timestamp`, form: 'local' };
      notes.push(`'localtime' uses the PostgreSQL session TimeZone, not the SQLite host's`);
    } else if (m === 'utc') {
      if (moment.form !== 'local') throw new Untranslatable(`the modifier 'utc' on a UTC time shifts it by the SQLite host's offset; it has no PostgreSQL translation`);
      moment = { sql: toInstant(moment), form: 'instant' };
    } else if (m === 'subsec' || m === 'subsecond') {
      subsec = true;
    } else {
      throw new Untranslatable(`the date/time modifier '${raw}' is not translated`);
    }
  }
  if (shape === 'epoch' && subsec) shape = 'epoch-subsec';
  return { moment, shape, subsec, notes };
}

/** The timestamptz of a moment. */
function toInstant(m: Moment): string {
  if (m.form === 'instant') return m.sql;
  if (m.form === 'utc') return `(${m.sql} AT TIME ZONE 'UTC')`;
  return `${wrap(m.sql)}::timestamptz`;
}

/** The wall time SQLite would print (UTC unless 'localtime'), as a timestamp expression. */
function toWallTime(m: Moment): string {
  return m.form === 'instant' ? `${m.sql} AT TIME ZONE 'UTC'` : m.sql;
}

/** Parenthesise unless already a single call, word or parenthesised expression. */
function wrap(sql: string): string {
  return isAtomic(sql) ? sql : `(${sql})`;
}

function isAtomic(sql: string): boolean {
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql);
  const from = word ? word[0].length : 0;
  if (from === sql.length) return true;
  if (sql[from] !== '(') return false;
  let depth = 0;
  let quoted = false;
  for (let i = from; i < sql.length; i++) {
    const c = sql[i];
    if (quoted) {
      if (c === "'") quoted = false;
      continue;
    }
    if (c === "'") quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i === sql.length - 1;
  }
  return false;
}

/** The value family a "now" expression has in SQLite, used where no column decides it. */
export function naturalKind(value: NowValue): TargetKind {
  if (value.shape === 'epoch') return 'integer';
  if (value.shape === 'epoch-subsec') return 'numeric';
  if (value.shape === 'julianday') return 'float8';
  return 'text';
}

/**
 * Write a "now" value for a column of `kind`. `timeZone` is the zone the column's naive
 * date/time text is read in (the mapping's), used where SQLite's value is a bare date.
 * Throws Untranslatable when SQLite would store a value the PostgreSQL type cannot hold.
 */
export function renderNow(value: NowValue, kind: TargetKind, timeZone = 'UTC'): string {
  const shape = classify(value.shape);
  const instant = toInstant(value.moment);
  const wall = toWallTime(value.moment);
  const refuse = (what: string): never => {
    throw new Untranslatable(`SQLite stores ${what} here, which ${withArticle(kind)} column cannot hold`);
  };
  switch (shape) {
    case 'datetime':
    case 'date':
    case 'time':
    case 'format': {
      if (kind === 'text') return `to_char(${wall}, ${quoteLiteral(toCharFormat(value))})`;
      if (shape === 'time' || shape === 'format') return refuse(`the text ${describeShape(value.shape)}`);
      if (shape === 'datetime') {
        if (kind === 'timestamptz') return instant;
        if (kind === 'timestamp') return wrap(wall);
        if (kind === 'date') return `${wrap(wall)}::date`;
      } else {
        if (kind === 'date') return `${wrap(wall)}::date`;
        if (kind === 'timestamp') return `date_trunc('day', ${wall})`;
        if (kind === 'timestamptz') return `(date_trunc('day', ${wall}) AT TIME ZONE ${quoteLiteral(timeZone)})`;
      }
      return refuse(`the text ${describeShape(value.shape)}`);
    }
    case 'epoch':
    case 'epoch-subsec':
    case 'julianday': {
      if (kind === 'timestamptz') return instant;
      if (kind === 'timestamp') return wrap(wall);
      if (kind === 'date') return `${wrap(wall)}::date`;
      const seconds = `extract(epoch FROM ${instant})`;
      const sql = shape === 'epoch' ? `floor(${seconds})` : shape === 'epoch-subsec' ? seconds : `(${seconds} / 86400 + 2440587.5)`;
      if (kind === 'float8' || kind === 'numeric') return sql;
      if (kind === 'integer' && shape === 'epoch') return `${sql}::bigint`;
      if (kind === 'text') return shape === 'epoch' ? `${sql}::bigint::text` : `${wrap(sql)}::text`;
      return refuse(shape === 'julianday' ? 'a Julian day number' : 'a Unix time');
    }
  }
}

function describeShape(shape: NowShape): string {
  if (typeof shape === 'object') return `strftime('${shape.format}')`;
  return shape === 'datetime' ? `'YYYY-MM-DD HH:MM:SS'` : shape === 'date' ? `'YYYY-MM-DD'` : shape === 'time' ? `'HH:MM:SS'` : shape;
}

/** Formats that are one of the simple shapes in disguise. */
function shapeOfFormat(format: string): NowShape {
  switch (format) {
    case '%s':
      return 'epoch';
    case '%J':
      return 'julianday';
    case '%Y-%m-%d %H:%M:%S':
      return 'datetime';
    case '%Y-%m-%d':
      return 'date';
    case '%H:%M:%S':
      return 'time';
    default:
      return { format };
  }
}

/** A strftime format that holds a full date and time (in Y m d H M S order) counts as a datetime. */
function classify(shape: NowShape): 'datetime' | 'date' | 'time' | 'format' | 'epoch' | 'epoch-subsec' | 'julianday' {
  if (typeof shape !== 'object') return shape;
  const specifiers = [...shape.format.matchAll(/%(.)/g)].map((m) => m[1]).filter((c) => c !== '%').join('');
  if (/^YmdHM[Sf]$/.test(specifiers)) return 'datetime';
  if (specifiers === 'Ymd') return 'date';
  return 'format';
}

/** strftime specifier → to_char template. https://www.postgresql.org/docs/current/functions-formatting.html */
const TO_CHAR: Readonly<Record<string, string>> = {
  Y: 'YYYY',
  m: 'MM',
  d: 'DD',
  H: 'HH24',
  M: 'MI',
  S: 'SS',
  f: 'SS.MS',
  j: 'DDD',
  F: 'YYYY-MM-DD',
  T: 'HH24:MI:SS',
};

function toCharFormat(value: NowValue): string {
  const shape = value.shape;
  const ms = value.subsec ? '.MS' : '';
  if (shape === 'datetime') return `YYYY-MM-DD HH24:MI:SS${ms}`;
  if (shape === 'date') return 'YYYY-MM-DD';
  if (shape === 'time') return `HH24:MI:SS${ms}`;
  if (typeof shape !== 'object') throw new Error(`no to_char format for ${shape}`);
  let out = '';
  let literal = '';
  const flush = (): void => {
    // Letters and digits in to_char templates can be patterns: quote every literal run that has any.
    out += /[A-Za-z0-9"\\]/.test(literal) ? `"${literal.replace(/["\\]/g, (c) => `\\${c}`)}"` : literal;
    literal = '';
  };
  for (let i = 0; i < shape.format.length; i++) {
    const c = shape.format[i]!;
    if (c !== '%') {
      literal += c;
      continue;
    }
    const spec = shape.format[++i];
    if (spec === '%') {
      literal += '%';
      continue;
    }
    const template = spec === undefined ? undefined : TO_CHAR[spec];
    if (template === undefined) throw new Untranslatable(`the strftime() specifier %${spec ?? ''} has no to_char() equivalent here`);
    flush();
    out += template;
  }
  flush();
  return out;
}

const TIME_VALUE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z)?$/i;

/** `datetime('1997-01-01')` → `'1997-01-01 00:00:00'`: computed here, exactly as SQLite would. */
function foldConstant(name: string, shape: NowShape, timeValue: string): ConstantTime {
  const m = TIME_VALUE.exec(timeValue.trim());
  if (!m) throw new Untranslatable(`${name}() of '${timeValue}' is not translated (only 'now' and YYYY-MM-DD[ HH:MM[:SS[.SSS]]] constants are)`);
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? '0')) as [number, number, number, number, number, number];
  const millis = Number((m[7] ?? '').padEnd(3, '0'));
  // SQLite rolls 2021-02-30 over into March; refuse rather than imitate.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw new Untranslatable(`${name}() of '${timeValue}', which is not a valid date`);
  }
  const p2 = (v: number): string => String(v).padStart(2, '0');
  const date = `${String(year).padStart(4, '0')}-${p2(month)}-${p2(day)}`;
  const time = `${p2(hour)}:${p2(minute)}:${p2(second)}`;
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  let sql: string;
  if (shape === 'datetime') sql = quoteLiteral(`${date} ${time}`);
  else if (shape === 'date') sql = quoteLiteral(date);
  else if (shape === 'time') sql = quoteLiteral(time);
  else if (shape === 'epoch') sql = String(seconds);
  else if (shape === 'julianday') sql = String((seconds + millis / 1000) / 86400 + 2440587.5);
  else if (shape === 'epoch-subsec') sql = String(seconds + millis / 1000);
  else sql = quoteLiteral(formatConstant(shape.format, { date, time, year, month, day, hour, minute, second, millis, seconds }));
  return { sql, note: `${name}('${timeValue}') was computed to the constant ${sql}` };
}

interface Fields {
  readonly date: string;
  readonly time: string;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millis: number;
  readonly seconds: number;
}

function formatConstant(format: string, f: Fields): string {
  const p2 = (v: number): string => String(v).padStart(2, '0');
  return format.replace(/%(.?)/g, (whole, spec: string) => {
    switch (spec) {
      case 'Y':
        return String(f.year).padStart(4, '0');
      case 'm':
        return p2(f.month);
      case 'd':
        return p2(f.day);
      case 'H':
        return p2(f.hour);
      case 'M':
        return p2(f.minute);
      case 'S':
        return p2(f.second);
      case 'f':
        return `${p2(f.second)}.${String(f.millis).padStart(3, '0')}`;
      case 's':
        return String(f.seconds);
      case 'F':
        return f.date;
      case 'T':
        return f.time;
      case '%':
        return '%';
      default:
        throw new Untranslatable(`the strftime() specifier ${whole} is not translated`);
    }
  });
}
