/**
 * translateDefault(): a SQLite column DEFAULT as PostgreSQL, written for the column's target
 * value family. The goal is that a row inserted after the migration gets the value SQLite would
 * have stored, in the form the loader gives existing rows: `'0'` on a boolean column is `false`,
 * CURRENT_TIMESTAMP on a text column is the same 'YYYY-MM-DD HH:MM:SS' text.
 * https://www.sqlite.org/lang_createtable.html#the_default_clause
 * https://www.postgresql.org/docs/current/ddl-default.html
 *
 * A literal that is not a valid value of the target type is refused, never emitted broken.
 */
import type { DateFormat } from '../../model/plan.js';
import { daysInMonth } from '../casts/calendar.js';
import { quoteLiteral } from '../identifiers.js';
import { buildTokenTree, isGroup, isSymbol, isToken, splitByComma, type SqlNode } from '../../source/sqlite-sql/build-token-tree.js';
import { Scope, SqlTranslator, tableSource } from './sql-translator.js';
import { inInt64, parseSqliteNumber, sqliteRealText, type SqliteNumber } from './sqlite-number.js';
import { withArticle, type TargetKind } from './target-kind.js';
import { foldIdentifier, isWord, tokenizeSqlite, type Token } from '../../source/sqlite-sql/tokenize-sqlite.js';
import { TIME_FUNCTIONS, nowKeyword, readTimeCall, renderNow } from './render-now.js';
import { Untranslatable, attempt, translated, untranslatable, type Translation } from './translation.js';

export type { TargetKind } from './target-kind.js';

/** What translateDefault() needs to know about the column besides its kind. */
export interface DefaultOptions {
  /** Zone the column's naive date/time text is read in (the mapping's `timeZone`); default UTC. */
  readonly timeZone?: string;
  /** How the column stores dates, for numeric defaults on a date/time column (e.g. `DEFAULT 0` on an epoch column). */
  readonly dateFormat?: DateFormat;
}

const NOW_SQL = 'CURRENT_TIMESTAMP';

/**
 * Translate a DEFAULT (as written in CREATE TABLE or as PRAGMA table_xinfo reports it) for a
 * column of `targetKind`. `{ ok: false, reason }` when there is no faithful equivalent.
 */
export function translateDefault(defaultSql: string, targetKind: TargetKind, options: DefaultOptions = {}): Translation {
  return attempt(() => {
    let nodes: readonly SqlNode[] = buildTokenTree(tokenizeSqlite(defaultSql));
    // `DEFAULT (expr)`: PRAGMA table_xinfo strips the parentheses, CREATE TABLE text keeps them.
    while (nodes.length === 1 && isGroup(nodes[0]) && !isWord(nodes[0].children[0], 'SELECT')) nodes = nodes[0].children;
    if (nodes.length === 0) return untranslatable('empty DEFAULT');
    const notes: string[] = [];
    const sql = translateNodes(defaultSql, nodes, targetKind, options, notes);
    return translated(sql, notes);
  });
}

function translateNodes(source: string, nodes: readonly SqlNode[], kind: TargetKind, options: DefaultOptions, notes: string[]): string {
  const [first, second] = nodes;
  if (nodes.length === 2 && isToken(first) && (isSymbol(first, '-') || isSymbol(first, '+')) && isToken(second) && second.kind === 'number') {
    return numberDefault(`${first.value}${second.value}`, kind, options);
  }
  if (nodes.length === 1 && isToken(first)) return tokenDefault(first, kind, options, notes);
  if (nodes.length === 2 && isToken(first) && (first.kind === 'word' || first.kind === 'quoted') && isGroup(second) && TIME_FUNCTIONS.has(foldIdentifier(first.value))) {
    const ranges = second.children.length === 0 ? [] : splitByComma(second.children);
    const literals = ranges.map(([a, b]) => {
      const t = second.children[a];
      return b - a === 1 && isToken(t) && t.kind === 'string' ? t.value : null;
    });
    const result = readTimeCall(foldIdentifier(first.value), literals, NOW_SQL);
    if ('note' in result) {
      // A constant date: treat it as the literal SQLite computes.
      notes.push(result.note);
      return result.sql.startsWith("'") ? stringDefault(result.sql.slice(1, -1).replaceAll("''", "'"), kind, options) : numberDefault(result.sql, kind, options);
    }
    notes.push(...result.notes);
    return renderNow(result, kind, options.timeZone);
  }
  // Any other expression: translate it, for the kinds where its SQLite value type is what lands.
  if (kind !== 'text' && kind !== 'integer' && kind !== 'float8' && kind !== 'numeric') {
    throw new Untranslatable(`the expression default ${source.trim()} is not translated for ${withArticle(kind)} column`);
  }
  const translator = new SqlTranslator({ sql: source, tables: new Map(), schema: null, nowSql: NOW_SQL });
  const sql = translator.translate(nodes, Scope.of(tableSource('', new Map()))).trim();
  notes.push(...translator.notes);
  // A column DEFAULT is a restricted expression in PostgreSQL (b_expr): parentheses make any expression fit.
  return `(${sql})`;
}

function tokenDefault(t: Token, kind: TargetKind, options: DefaultOptions, notes: string[]): string {
  switch (t.kind) {
    case 'number':
      return numberDefault(t.value, kind, options);
    case 'string':
      return stringDefault(t.value, kind, options);
    case 'blob':
      if (kind === 'bytea') return `'\\x${t.value}'::bytea`;
      throw new Untranslatable(`the blob default ${t.text} cannot be ${withArticle(kind)} value`);
    case 'quoted':
      // SQLite reads `DEFAULT "abc"` (and `DEFAULT abc`) as the string 'abc'.
      notes.push(`the default ${t.text} is the string '${t.value}' in SQLite`);
      return stringDefault(t.value, kind, options);
    case 'word': {
      const up = t.value.toUpperCase();
      if (up === 'NULL') return 'NULL';
      if (up === 'TRUE' || up === 'FALSE') return booleanDefault(up === 'TRUE', kind);
      const now = nowKeyword(up, NOW_SQL);
      if (now) return renderNow(now, kind, options.timeZone);
      notes.push(`the default ${t.text} is the string '${t.value}' in SQLite`);
      return stringDefault(t.value, kind, options);
    }
    default:
      throw new Untranslatable(`the default ${t.text} is not translated`);
  }
}

/** TRUE and FALSE are the integers 1 and 0 in SQLite. https://www.sqlite.org/lang_expr.html#booleanexpr */
function booleanDefault(value: boolean, kind: TargetKind): string {
  switch (kind) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'integer':
    case 'float8':
    case 'numeric':
      return value ? '1' : '0';
    case 'text':
    case 'json':
      return quoteLiteral(value ? '1' : '0');
    default:
      throw new Untranslatable(`the default ${value ? 'TRUE' : 'FALSE'} (an integer in SQLite) cannot be ${withArticle(kind)} value`);
  }
}

/** A numeric literal (possibly signed, possibly hex) as the target kind. */
function numberDefault(text: string, kind: TargetKind, options: DefaultOptions): string {
  const n = parseSqliteNumber(text, { hex: true });
  if (n === null) throw new Untranslatable(`cannot read the number ${text}`);
  return numberAs(n, text, kind, options);
}

function numberAs(n: SqliteNumber, shown: string, kind: TargetKind, options: DefaultOptions): string {
  const integral = n.kind === 'integer' ? n.value : n.integral;
  switch (kind) {
    case 'integer':
      if (integral === null || !inInt64(integral)) throw new Untranslatable(`${shown} is not an integer`);
      return integral.toString();
    case 'float8':
    case 'numeric':
      return n.kind === 'integer' ? n.value.toString() : n.text;
    case 'boolean':
      if (integral === 0n) return 'false';
      if (integral === 1n) return 'true';
      throw new Untranslatable(`${shown} is not a boolean (0 or 1)`);
    case 'text':
    case 'json': {
      // SQLite stores the number's text in a TEXT column; JSON text of a number is the same.
      const text = n.kind === 'integer' ? n.value.toString() : sqliteRealText(n);
      if (text === null) throw new Untranslatable(`the text SQLite stores for ${shown} is not certain`);
      return quoteLiteral(text);
    }
    case 'timestamptz':
    case 'timestamp':
    case 'date': {
      const instant = epochInstant(n.kind === 'integer' ? n.value.toString() : n.text, options.dateFormat);
      if (instant === null) throw new Untranslatable(`the numeric default ${shown} on ${withArticle(kind)} column needs the column's date format (unixepoch-s, unixepoch-ms, unixepoch-us or julianday)`);
      if (kind === 'timestamptz') return instant;
      return kind === 'timestamp' ? `(${instant} AT TIME ZONE 'UTC')` : `(${instant} AT TIME ZONE 'UTC')::date`;
    }
    default:
      throw new Untranslatable(`the number ${shown} cannot be ${withArticle(kind)} value`);
  }
}

function epochInstant(number: string, format: DateFormat | undefined): string | null {
  switch (format) {
    case 'unixepoch-s':
      return `to_timestamp(${number})`;
    case 'unixepoch-ms':
      return `to_timestamp(${number} / 1000.0)`;
    case 'unixepoch-us':
      return `to_timestamp(${number} / 1000000.0)`;
    case 'julianday':
      return `to_timestamp((${number} - 2440587.5) * 86400)`;
    default:
      return null;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:([ T])(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A string literal as the target kind, converted the way SQLite's column affinity would have. */
function stringDefault(value: string, kind: TargetKind, options: DefaultOptions): string {
  switch (kind) {
    case 'text':
      return quoteLiteral(value);
    case 'integer':
    case 'float8':
    case 'numeric': {
      // Numeric affinity converts well-formed numeric text (spaces around allowed, no hex).
      // https://www.sqlite.org/datatype3.html#type_affinity
      const n = parseSqliteNumber(value.trim(), { hex: false });
      if (n === null) throw new Untranslatable(`${quoteLiteral(value)} is not a number`);
      return numberAs(n, quoteLiteral(value), kind, options);
    }
    case 'boolean': {
      const n = parseSqliteNumber(value.trim(), { hex: false });
      if (n !== null) return numberAs(n, quoteLiteral(value), kind, options);
      const word = value.trim().toLowerCase();
      if (word === 'true' || word === 'false') return word;
      throw new Untranslatable(`${quoteLiteral(value)} is not a boolean`);
    }
    case 'json':
      try {
        JSON.parse(value);
      } catch {
        throw new Untranslatable(`${quoteLiteral(value)} is not valid JSON`);
      }
      return quoteLiteral(value);
    case 'uuid':
      if (!UUID.test(value)) throw new Untranslatable(`${quoteLiteral(value)} is not a UUID`);
      return quoteLiteral(value);
    case 'bytea':
      throw new Untranslatable(`the text default ${quoteLiteral(value)} is not a blob`);
    case 'timestamptz':
    case 'timestamp':
    case 'date':
      return dateTimeDefault(value, kind, options);
  }
}

function dateTimeDefault(value: string, kind: 'timestamptz' | 'timestamp' | 'date', options: DefaultOptions): string {
  const n = parseSqliteNumber(value.trim(), { hex: false });
  if (n !== null && options.dateFormat !== undefined && typeof options.dateFormat === 'string' && options.dateFormat.startsWith('unixepoch')) {
    return numberAs(n, quoteLiteral(value), kind, options);
  }
  const m = DATE_TIME.exec(value);
  const invalid = (): never => {
    throw new Untranslatable(`${quoteLiteral(value)} is not a valid ${kind} value`);
  };
  if (!m) return invalid();
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[5], m[6], m[7]].map((v) => Number(v ?? '0')) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return invalid();
  const hasTime = m[4] !== undefined;
  const offset = m[8];
  if (kind === 'date') {
    if (hasTime || offset) throw new Untranslatable(`${quoteLiteral(value)} has a time part, which a date column drops`);
    return quoteLiteral(value);
  }
  if (offset) {
    if (kind === 'timestamp') throw new Untranslatable(`${quoteLiteral(value)} has a time zone offset, which a timestamp (without time zone) column would ignore`);
    return quoteLiteral(value);
  }
  if (kind === 'timestamp') return quoteLiteral(value);
  // A naive time means wall time in the column's zone, as the loader reads existing rows.
  const zone = options.timeZone ?? 'UTC';
  if (zone === 'UTC') return quoteLiteral(`${value}${hasTime ? '' : ' 00:00:00'}+00`);
  return `(${quoteLiteral(value)}::timestamp AT TIME ZONE ${quoteLiteral(zone)})`;
}
