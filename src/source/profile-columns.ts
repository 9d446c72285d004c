/**
 * Column profiles: what the values of each column actually are, measured inside SQLite with
 * aggregate queries, so `plan` can propose casts from evidence instead of declared types. SQLite
 * types belong to values, not columns (https://www.sqlite.org/datatype3.html), so a DATETIME
 * column may hold text, integers or both.
 *
 * Cost: every aggregate is a function call per row, and that call, not the scan, dominates (one
 * aggregate per column per row costs about as much as reading the row). So a table is read in
 * two passes: the first counts storage classes only; the second computes only the aggregates
 * that the classes present need (text columns: JSON, date shapes, NULs, lengths; integer
 * columns: min and max). Counts that min and max settle (all integers within the epoch range,
 * or none) are derived; a third pass runs only for what they do not settle, and for examples of
 * a JSON or date shape that covers only part of a column.
 */
import type Database from 'better-sqlite3';
import type { TableInfo } from '../model/catalog.js';
import { sqliteIdent } from './introspect-sqlite.js';

/** Date/time text shapes recognised in TEXT values. */
export const DATE_SHAPES = ['iso8601-offset', 'iso8601-naive', 'sqlite-datetime', 'date-only'] as const;
/**
 * - `iso8601-offset`: `YYYY-MM-DDTHH:MM:SS[.f…]` then `Z`, `±HH:MM` or `±HHMM`
 * - `iso8601-naive`: `YYYY-MM-DDTHH:MM:SS[.f…]`, no offset
 * - `sqlite-datetime`: `YYYY-MM-DD HH:MM:SS[.f…]`, what SQLite's datetime() writes (https://www.sqlite.org/lang_datefunc.html)
 * - `date-only`: `YYYY-MM-DD`
 */
export type DateShape = (typeof DATE_SHAPES)[number];

/** Kinds of values examples are kept for. */
export type ExampleShape = 'integer' | 'real' | 'text' | 'blob' | 'json' | DateShape;

/** What one column holds. All counts are over the rows profiled (the sample, when one was asked for). */
export interface ColumnProfile {
  readonly name: string;
  /** Rows profiled. */
  readonly rows: number;
  readonly nulls: number;
  /** Non-NULL values per storage class, from typeof(). */
  readonly storage: { readonly integer: number; readonly real: number; readonly text: number; readonly blob: number };
  readonly text: {
    /** Text that is a JSON object or array and passes json_valid() (https://www.sqlite.org/json1.html#jvalid). */
    readonly jsonLike: number;
    /** Text containing U+0000, which PostgreSQL text cannot hold. */
    readonly withNul: number;
    /** Longest text in UTF-8 bytes; null without text values. */
    readonly maxBytes: number | null;
    readonly dateShapes: Readonly<Record<DateShape, number>>;
    /** Text that PostgreSQL would read as a boolean: 0, 1, t, f, true, false in any case. */
    readonly booleanLike: number;
    /** The distinct text values, sorted, when there are at most 3 and all are at most 16 bytes; else null. */
    readonly distinct: readonly string[] | null;
  };
  readonly integer: {
    /** Exact (as bigint: SQLite integers are 64-bit); null without integer values. */
    readonly min: bigint | null;
    readonly max: bigint | null;
    /** Integers in [0, 4102444800]: seconds from 1970-01-01 to 2100-01-01. */
    readonly epochSeconds: number;
    /** Integers in [0, 4102444800000]: the same range in milliseconds. */
    readonly epochMillis: number;
    /** Integers in [0, 4102444800000000]: the same range in microseconds. */
    readonly epochMicros: number;
    readonly zeroOrOne: number;
  };
  readonly real: {
    readonly min: number | null;
    readonly max: number | null;
    /** Reals in [2440587.5, 2488069.5]: Julian day numbers from 1970 to 2100 (what julianday() returns). */
    readonly julianDay: number;
  };
  readonly blob: { readonly maxBytes: number | null };
  /**
   * Up to 3 examples per kind of value, each at most 60 characters (longer ones are cut and end
   * in `…`): the smallest and the largest value of that kind, which cost nothing extra in the
   * aggregate pass and show the range. BLOBs are shown as `x'<hex>'` of their first bytes.
   */
  readonly examples: Readonly<Partial<Record<ExampleShape, readonly string[]>>>;
}

/** Profile of one table. */
export interface TableProfile {
  readonly table: string;
  /** Rows profiled: the table's row count, or at most `sample`. */
  readonly rows: number;
  /** Whether a sample limit applied (only the first `sample` rows were read). */
  readonly sampled: boolean;
  readonly columns: readonly ColumnProfile[];
}

/** Highest Unix time we call plausible: 2100-01-01T00:00:00Z. */
/** Highest Unix time we call plausible: 2100-01-01T00:00:00Z. */
const EPOCH_MAX_SECONDS = 4102444800n;
/** julianday('1970-01-01') and julianday('2100-01-01'). */
const JULIAN_MIN = 2440587.5;
const JULIAN_MAX = 2488069.5;
const EXAMPLE_CHARS = 60;
const DISTINCT_MAX_BYTES = 16;
/**
 * Result columns per statement: SQLite allows 2000 by default
 * (SQLITE_MAX_COLUMN, https://www.sqlite.org/limits.html#max_column).
 */
const MAX_RESULT_COLUMNS = 1500;

/** Integer ranges counted per column: [name, low, high] (inclusive). */
const INTEGER_RANGES = [
  ['epochSeconds', 0n, EPOCH_MAX_SECONDS],
  ['epochMillis', 0n, EPOCH_MAX_SECONDS * 1000n],
  ['epochMicros', 0n, EPOCH_MAX_SECONDS * 1_000_000n],
  ['zeroOrOne', 0n, 1n],
] as const;
type IntegerRange = (typeof INTEGER_RANGES)[number][0];

const DIGIT4 = '[0-9][0-9][0-9][0-9]';
const DIGIT2 = '[0-9][0-9]';
const DATE_GLOB = `${DIGIT4}-${DIGIT2}-${DIGIT2}`;
const TIME_GLOB = `${DIGIT2}:${DIGIT2}:${DIGIT2}`;
const JSON_WHITESPACE = `' ' || char(9, 10, 13)`;

/** True when `expr` is '' or '.' followed by one or more digits only (GLOB has no `+`). */
function fractionSql(expr: string): string {
  return `(${expr} = '' OR (${expr} GLOB '.[0-9]*' AND substr(${expr}, 2) NOT GLOB '*[^0-9]*'))`;
}

/** Kinds of text told apart per value: the date shapes (codes 1–4) and boolean words (code 5). */
const TEXT_KINDS = [...DATE_SHAPES, 'booleanLike'] as const;
type TextKind = (typeof TEXT_KINDS)[number];

/**
 * Kind code of a value: 1 iso8601-offset, 2 iso8601-naive, 3 sqlite-datetime, 4 date-only,
 * 5 a word PostgreSQL reads as a boolean (0, 1, t, f, true, false in any case), 0 otherwise.
 * GLOB is case-sensitive and anchored at both ends (https://www.sqlite.org/lang_expr.html#glob).
 * `substr(x, 6, 1) = ''` tests "at most 5 characters" without length() walking a long text, and
 * most other values are thrown out after one character.
 */
function kindSql(x: string): string {
  const isoHead = `substr(${x}, 1, 19) GLOB '${DATE_GLOB}T${TIME_GLOB}'`;
  const offset = `(
      (${x} GLOB '*Z' AND ${fractionSql(`substr(${x}, 20, length(${x}) - 20)`)})
      OR (length(${x}) >= 25 AND ${x} GLOB '*[-+]${DIGIT2}:${DIGIT2}' AND ${fractionSql(`substr(${x}, 20, length(${x}) - 25)`)})
      OR (length(${x}) >= 24 AND ${x} GLOB '*[-+]${DIGIT2}${DIGIT2}' AND ${fractionSql(`substr(${x}, 20, length(${x}) - 24)`)}))`;
  return `CASE
    WHEN typeof(${x}) <> 'text' THEN 0
    WHEN substr(${x}, 6, 1) = '' THEN CASE WHEN lower(${x}) IN ('0', '1', 't', 'f', 'true', 'false') THEN 5 ELSE 0 END
    WHEN substr(${x}, 5, 1) <> '-' THEN 0
    WHEN ${isoHead} AND ${offset} THEN 1
    WHEN ${isoHead} AND ${fractionSql(`substr(${x}, 20)`)} THEN 2
    WHEN substr(${x}, 1, 19) GLOB '${DATE_GLOB} ${TIME_GLOB}' AND ${fractionSql(`substr(${x}, 20)`)} THEN 3
    WHEN ${x} GLOB '${DATE_GLOB}' THEN 4
    ELSE 0 END`;
}

/**
 * 1 for text that is a JSON object or array (https://www.sqlite.org/json1.html#jvalid), else 0:
 * a bare number or word is valid JSON too, but no reason to type a column jsonb. ltrim() copies
 * the text, so it only runs for the rare values that start with whitespace.
 */
function jsonLikeSql(x: string): string {
  return `CASE WHEN typeof(${x}) <> 'text' THEN 0
    WHEN substr(${x}, 1, 1) IN ('{', '[') THEN json_valid(${x})
    WHEN substr(${x}, 1, 1) IN (' ', char(9), char(10), char(13)) AND substr(ltrim(${x}, ${JSON_WHITESPACE}), 1, 1) IN ('{', '[') THEN json_valid(${x})
    ELSE 0 END`;
}

/** One aggregate to compute for one column; `uses` says which per-row values the inner query must provide. */
interface Aggregate {
  readonly key: string;
  readonly sql: string;
  readonly uses?: 'json' | 'kind';
}

/** `FROM <table>`, or the first `sample` rows of it. */
function fromSql(table: TableInfo, sample: number | undefined): string {
  const name = sqliteIdent(table.name);
  if (sample === undefined) return name;
  const list = table.columns.length === 0 ? '1' : table.columns.map((c) => sqliteIdent(c.name)).join(', ');
  return `(SELECT ${list} FROM ${name} LIMIT ${sample})`;
}

type Row = Record<string, unknown>;

/**
 * Run the wanted aggregates in as few statements as SQLite's column limit allows; each reads
 * the rows once. `direct` aggregates name the table's columns; `inner` ones read v<i> (value),
 * t<i> (typeof), j<i> (JSON-like) and k<i> (kind code) from an inner query that computes them
 * once per value; its `LIMIT -1` keeps SQLite from flattening it into the aggregate, which would
 * repeat them for every aggregate that uses them (https://www.sqlite.org/optoverview.html#flattening).
 * Results come back keyed `<column index>:<key>`.
 */
function runAggregates(
  db: Pick<Database.Database, 'prepare'>,
  table: TableInfo,
  sample: number | undefined,
  wanted: ReadonlyMap<number, readonly Aggregate[]>,
  mode: 'direct' | 'inner',
): { rows: number; values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  let rows = 0;
  const groups: number[][] = [];
  let current: number[] = [];
  let width = 0;
  for (const [i, aggregates] of wanted) {
    if (aggregates.length === 0) continue;
    if (width + aggregates.length > MAX_RESULT_COLUMNS && current.length > 0) {
      groups.push(current);
      current = [];
      width = 0;
    }
    current.push(i);
    width += aggregates.length;
  }
  if (current.length > 0) groups.push(current);
  if (groups.length === 0) {
    // Nothing to compute: an inner query would have no columns. Direct mode still counts rows.
    if (mode === 'inner') return { rows: 0, values };
    groups.push([]);
  }

  for (const group of groups) {
    const inner: string[] = [];
    const outer: string[] = ['count(*) AS n'];
    for (const i of group) {
      const x = sqliteIdent(table.columns[i]!.name);
      const aggregates = wanted.get(i)!;
      inner.push(`${x} AS v${i}`, `typeof(${x}) AS t${i}`);
      if (aggregates.some((a) => a.uses === 'json')) inner.push(`${jsonLikeSql(x)} AS j${i}`);
      if (aggregates.some((a) => a.uses === 'kind')) inner.push(`${kindSql(x)} AS k${i}`);
      aggregates.forEach((a, k) => outer.push(`${a.sql} AS a${i}_${k}`));
    }
    const from = mode === 'direct' ? fromSql(table, sample) : `(SELECT\n  ${inner.join(',\n  ')}\nFROM ${fromSql(table, sample)} LIMIT -1)`;
    // Integers as BigInt, so a 64-bit minimum or maximum stays exact.
    const row = db.prepare(`SELECT ${outer.join(',\n  ')}\nFROM ${from}`).safeIntegers(true).get() as Row;
    rows = Number(row['n']);
    for (const i of group) wanted.get(i)!.forEach((a, k) => values.set(`${i}:${a.key}`, row[`a${i}_${k}`]));
  }
  return { rows, values };
}

function count(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}

function maybeNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function maybeBigInt(v: unknown): bigint | null {
  return v === null || v === undefined ? null : BigInt(v as bigint | string);
}

/** At most 60 characters, cut ones ending in `…`. */
function cut(s: string): string {
  const chars = Array.from(s);
  return chars.length > EXAMPLE_CHARS ? `${chars.slice(0, EXAMPLE_CHARS).join('')}…` : s;
}

function examplesOf(min: unknown, max: unknown): string[] {
  const out: string[] = [];
  for (const v of [min, max]) {
    if (v === null || v === undefined) continue;
    const s = cut(String(v));
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** min/max of text, truncated in SQL after aggregating (61 characters: one more than an example keeps). */
function textExtremes(key: string, cond: string, v: string): Aggregate[] {
  return (['min', 'max'] as const).map((fn) => ({ key: `${key}${fn === 'min' ? 'Min' : 'Max'}`, sql: `substr(${fn}(CASE WHEN ${cond} THEN ${v} END), 1, ${EXAMPLE_CHARS + 1})` }));
}

/**
 * How many values in [min, max] fall in [low, high], when min and max settle it (all or none);
 * undefined when only a count can tell.
 */
function settledCount<T extends bigint | number>(n: number, min: T | null, max: T | null, low: T, high: T): number | undefined {
  if (n === 0 || min === null || max === null) return 0;
  if (min >= low && max <= high) return n;
  if (max < low || min > high) return 0;
  return undefined;
}

/**
 * Profile every column of `table` through the read-only handle `db`: storage classes, JSON-like
 * text, date shapes, NUL bytes, lengths, integer ranges (epoch plausibility), booleans and
 * examples. With `sample`, only the first `sample` rows (in storage order) are read.
 */
export function profileTable(db: Pick<Database.Database, 'prepare'>, table: TableInfo, options: { sample?: number } = {}): TableProfile {
  const sample = options.sample;
  if (sample !== undefined && (!Number.isSafeInteger(sample) || sample < 0)) throw new RangeError(`sample must be a non-negative integer, not ${sample}`);
  const indexes = table.columns.map((_, i) => i);

  // Pass 1: storage classes. count(x) counts non-NULL values; BLOBs are what is left.
  const first = runAggregates(
    db,
    table,
    sample,
    new Map(
      indexes.map((i) => {
        const x = sqliteIdent(table.columns[i]!.name);
        return [
          i,
          [
            { key: 'nonNull', sql: `count(${x})` },
            { key: 'integer', sql: `sum(typeof(${x}) = 'integer')` },
            { key: 'real', sql: `sum(typeof(${x}) = 'real')` },
            { key: 'text', sql: `sum(typeof(${x}) = 'text')` },
          ],
        ];
      }),
    ),
    'direct',
  );
  const rows = first.rows;
  const classes = indexes.map((i) => {
    const nonNull = count(first.values.get(`${i}:nonNull`));
    const integer = count(first.values.get(`${i}:integer`));
    const real = count(first.values.get(`${i}:real`));
    const text = count(first.values.get(`${i}:text`));
    return { nonNull, integer, real, text, blob: nonNull - integer - real - text };
  });

  // Pass 2: what the classes present call for.
  const second = new Map<number, Aggregate[]>();
  for (const i of indexes) {
    const c = classes[i]!;
    const v = `v${i}`;
    const t = `t${i}`;
    const list: Aggregate[] = [];
    if (c.text > 0) {
      list.push(
        { key: 'jsonLike', sql: `sum(j${i})`, uses: 'json' },
        // instr() sees past an embedded NUL, unlike length() (https://www.sqlite.org/lang_corefunc.html#instr).
        { key: 'withNul', sql: `sum(${t} = 'text' AND instr(${v}, char(0)) > 0)` },
        // length() of a BLOB is its size in bytes: the UTF-8 length of the text.
        { key: 'textMaxBytes', sql: `max(CASE WHEN ${t} = 'text' THEN length(CAST(${v} AS BLOB)) END)` },
        // Three aggregates settle the five kind counts when one kind covers them all (pass 3 otherwise).
        { key: 'kinded', sql: `sum(k${i} <> 0)`, uses: 'kind' },
        { key: 'kindMin', sql: `min(nullif(k${i}, 0))`, uses: 'kind' },
        { key: 'kindMax', sql: `max(k${i})`, uses: 'kind' },
        ...textExtremes('text', `${t} = 'text'`, v),
      );
    }
    if (c.integer > 0) {
      // As text, so values beyond 2^53 stay exact whatever the handle's integer mode.
      list.push({ key: 'intMin', sql: `CAST(min(CASE WHEN ${t} = 'integer' THEN ${v} END) AS TEXT)` }, { key: 'intMax', sql: `CAST(max(CASE WHEN ${t} = 'integer' THEN ${v} END) AS TEXT)` });
    }
    if (c.real > 0) {
      list.push({ key: 'realMin', sql: `min(CASE WHEN ${t} = 'real' THEN ${v} END)` }, { key: 'realMax', sql: `max(CASE WHEN ${t} = 'real' THEN ${v} END)` });
    }
    if (c.blob > 0) {
      const hex = (fn: 'min' | 'max'): string => `'x''' || hex(substr(${fn}(CASE WHEN ${t} = 'blob' THEN ${v} END), 1, 28)) || ''''`;
      list.push({ key: 'blobMaxBytes', sql: `max(CASE WHEN ${t} = 'blob' THEN length(${v}) END)` }, { key: 'blobMin', sql: hex('min') }, { key: 'blobMax', sql: hex('max') });
    }
    second.set(i, list);
  }
  const secondValues = runAggregates(db, table, sample, second, 'inner').values;
  const got = (i: number, key: string): unknown => secondValues.get(`${i}:${key}`) ?? null;

  // Pass 3, only where needed: range counts min/max cannot settle, examples of partial shapes.
  const third = new Map<number, Aggregate[]>();
  const settled = indexes.map((i) => {
    const c = classes[i]!;
    const v = `v${i}`;
    const t = `t${i}`;
    const list: Aggregate[] = [];
    const intMin = maybeBigInt(got(i, 'intMin'));
    const intMax = maybeBigInt(got(i, 'intMax'));
    const ranges = {} as Record<IntegerRange, number | undefined>;
    for (const [key, low, high] of INTEGER_RANGES) {
      ranges[key] = settledCount(c.integer, intMin, intMax, low, high);
      if (ranges[key] === undefined) list.push({ key, sql: `sum(${t} = 'integer' AND ${v} BETWEEN ${low} AND ${high})` });
    }
    const julianDay = settledCount(c.real, maybeNumber(got(i, 'realMin')), maybeNumber(got(i, 'realMax')), JULIAN_MIN, JULIAN_MAX);
    if (julianDay === undefined) list.push({ key: 'julianDay', sql: `sum(${t} = 'real' AND ${v} BETWEEN ${JULIAN_MIN} AND ${JULIAN_MAX})` });
    const jsonLike = count(got(i, 'jsonLike'));
    if (jsonLike > 0 && jsonLike < c.text) list.push(...textExtremes('json', `j${i} = 1`, v).map((a) => ({ ...a, uses: 'json' as const })));
    const kinded = count(got(i, 'kinded'));
    const kindMin = count(got(i, 'kindMin'));
    const kindMax = count(got(i, 'kindMax'));
    const kinds = {} as Record<TextKind, number | undefined>;
    TEXT_KINDS.forEach((kind, k) => {
      const code = k + 1;
      const present = kinded > 0 && code >= kindMin && code <= kindMax;
      kinds[kind] = !present ? 0 : kindMin === kindMax ? kinded : undefined;
      if (kinds[kind] === undefined) list.push({ key: kind, sql: `sum(k${i} = ${code})`, uses: 'kind' });
      // Examples of a date shape that covers only part of the text (booleans show as distinct values).
      if (present && kind !== 'booleanLike' && (kinds[kind] === undefined || kinded < c.text)) {
        list.push(...textExtremes(kind, `k${i} = ${code}`, v).map((a) => ({ ...a, uses: 'kind' as const })));
      }
    });
    third.set(i, list);
    return { intMin, intMax, ranges, julianDay, jsonLike, kinds };
  });
  const thirdValues = runAggregates(db, table, sample, third, 'inner').values;
  const late = (i: number, key: string): unknown => thirdValues.get(`${i}:${key}`) ?? null;

  const columns = indexes.map((i): ColumnProfile => {
    const name = table.columns[i]!.name;
    const c = classes[i]!;
    const s = settled[i]!;
    const textMaxBytes = maybeNumber(got(i, 'textMaxBytes'));
    let distinct: string[] | null = null;
    if (c.text > 0 && textMaxBytes !== null && textMaxBytes <= DISTINCT_MAX_BYTES) {
      // Stops after 4 distinct values, so it is cheap unless the column really has few.
      const x = sqliteIdent(name);
      const found = (db.prepare(`SELECT DISTINCT ${x} AS v FROM ${fromSql(table, sample)} WHERE typeof(${x}) = 'text' LIMIT 4`).all() as { v: string }[]).map((r) => r.v);
      if (found.length <= 3) distinct = found.sort();
    }
    const textExamples = examplesOf(got(i, 'textMin'), got(i, 'textMax'));
    /** Examples of a kind of text: the text extremes when it covers all text, else pass 3's. */
    const partExamples = (n: number, key: string): string[] => (n === 0 ? [] : n === c.text ? textExamples : examplesOf(late(i, `${key}Min`), late(i, `${key}Max`)));
    const examples: Partial<Record<ExampleShape, readonly string[]>> = {};
    const keep = (shape: ExampleShape, list: string[]): void => {
      if (list.length > 0) examples[shape] = list;
    };
    keep('integer', examplesOf(s.intMin, s.intMax));
    keep('real', examplesOf(got(i, 'realMin'), got(i, 'realMax')));
    keep('text', textExamples);
    keep('blob', examplesOf(got(i, 'blobMin'), got(i, 'blobMax')));
    keep('json', partExamples(s.jsonLike, 'json'));
    const kindCount = (kind: TextKind): number => s.kinds[kind] ?? count(late(i, kind));
    const dateShapes = {} as Record<DateShape, number>;
    for (const shape of DATE_SHAPES) {
      dateShapes[shape] = kindCount(shape);
      keep(shape, partExamples(dateShapes[shape], shape));
    }
    const range = (key: IntegerRange): number => s.ranges[key] ?? count(late(i, key));
    return {
      name,
      rows,
      nulls: rows - c.nonNull,
      storage: { integer: c.integer, real: c.real, text: c.text, blob: c.blob },
      text: {
        jsonLike: s.jsonLike,
        withNul: count(got(i, 'withNul')),
        maxBytes: textMaxBytes,
        dateShapes,
        booleanLike: kindCount('booleanLike'),
        distinct,
      },
      integer: {
        min: s.intMin,
        max: s.intMax,
        epochSeconds: range('epochSeconds'),
        epochMillis: range('epochMillis'),
        epochMicros: range('epochMicros'),
        zeroOrOne: range('zeroOrOne'),
      },
      real: { min: maybeNumber(got(i, 'realMin')), max: maybeNumber(got(i, 'realMax')), julianDay: s.julianDay ?? count(late(i, 'julianDay')) },
      blob: { maxBytes: maybeNumber(got(i, 'blobMaxBytes')) },
      examples,
    };
  });
  return { table: table.name, rows, sampled: sample !== undefined, columns };
}
