/**
 * When a table's checksum differs, find the rows: walk both sides in primary-key order and
 * compare per-row digests (the target sends key + 16-byte digest per row, never the data),
 * then fetch the canonical column values of the differing rows only (up to a limit).
 */
import type pg from 'pg';
import type { ColumnCast, TablePlan } from '../model/plan.js';
import type { DifferingRow } from '../model/run-result.js';
import { numberText, type SqliteValue } from '../plan/casts/index.js';
import { formatDateTime } from '../plan/casts/calendar.js';
import { qualify, quoteIdent } from '../plan/identifiers.js';
import type { SqliteDb } from '../source/sqlite-db.js';
import { columnOffset, iterateRowsByKey, keyReader } from '../source/read-rows.js';
import { createRowEncoder, isRowProblem } from '../encode/row-encoder.js';
import { canonicalSql } from '../encode/canonical.js';
import { rowDigest, rowDigestsSql } from '../encode/checksum.js';
import { checksumColumns } from './verify-tables.js';

export const DEFAULT_DIFF_LIMIT = 100;
const FETCH = 5000;
const SHOW_CHARS = 80;

interface KeyedRow {
  readonly keyCanon: readonly string[];
  readonly digest: string;
  readonly canon: readonly (string | null)[] | null;
  readonly label: string;
}

/**
 * Both values, whole when both are short, else cut to a window around their first difference
 * so the change is visible.
 */
export function diffWindow(a: string | null, b: string | null): [string, string] {
  if (a === null || b === null) return [a === null ? 'NULL' : cut(a, 0), b === null ? 'NULL' : cut(b, 0)];
  // A window over a short value only hides its start (a uuid differing in its last digit).
  if (a.length <= SHOW_CHARS && b.length <= SHOW_CHARS) return [a, b];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const start = Math.max(0, i - 20);
  return [cut(a, start), cut(b, start)];
}

function cut(s: string, start: number): string {
  if (s.length <= SHOW_CHARS && start === 0) return s;
  const body = s.slice(start, start + SHOW_CHARS);
  return `${start > 0 ? '…' : ''}${body}${start + SHOW_CHARS < s.length ? '…' : ''} (${s.length} chars)`;
}

/** Compare two canonical key tuples in the order both engines sort them. */
export function compareKeys(a: readonly string[], b: readonly string[], casts: readonly ColumnCast[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const d = compareCanonical(casts[i]!, x, y);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Two canonical texts of one type, ordered as PostgreSQL orders the values (ORDER BY the column,
 * COLLATE "C" for text). Byte order of the canonical text is right for text, uuid, bytea and
 * boolean, not for numbers: float8's canonical form is its bits (negatives would sort after
 * positives), numeric and epoch microseconds are decimals of any length.
 */
function compareCanonical(cast: ColumnCast, x: string, y: string): number {
  switch (cast.kind) {
    case 'integer':
    case 'numeric':
      return compareDecimal(x, y);
    case 'float8':
      return compareFloat8(x, y);
    case 'datetime':
      return cast.target === 'date' ? Math.sign(dateOrdinal(x) - dateOrdinal(y)) : compareDecimal(x, y);
    default:
      return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
  }
}

/** numeric's order: -Infinity < finite < Infinity < NaN (NaN equals NaN). */
function specialRank(s: string): number {
  return s === 'NaN' ? 3 : s === 'Infinity' ? 2 : s === '-Infinity' ? -2 : 0;
}

/** Order of two canonical decimals (`-12.5`, `0`, `Infinity`; no trailing fractional zeros, no leading zeros). */
export function compareDecimal(x: string, y: string): number {
  const rx = specialRank(x);
  const ry = specialRank(y);
  if (rx !== 0 || ry !== 0) return Math.sign(rx - ry);
  const nx = x.charCodeAt(0) === 0x2d;
  const ny = y.charCodeAt(0) === 0x2d;
  if (nx !== ny) return nx ? -1 : 1;
  const m = compareMagnitude(nx ? x.slice(1) : x, ny ? y.slice(1) : y);
  return nx ? -m : m;
}

function compareMagnitude(a: string, b: string): number {
  const pa = a.indexOf('.');
  const pb = b.indexOf('.');
  const ia = pa < 0 ? a : a.slice(0, pa);
  const ib = pb < 0 ? b : b.slice(0, pb);
  if (ia.length !== ib.length) return ia.length < ib.length ? -1 : 1;
  if (ia !== ib) return ia < ib ? -1 : 1;
  // Fractions without trailing zeros compare as strings: '45' < '5' as 0.45 < 0.5.
  const fa = pa < 0 ? '' : a.slice(pa + 1);
  const fb = pb < 0 ? '' : b.slice(pb + 1);
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

const float8View = new DataView(new ArrayBuffer(8));

/** The double of a canonical float8 (16 hex digits of its bits). */
export function float8FromHex(hex: string): number {
  float8View.setUint32(0, parseInt(hex.slice(0, 8), 16));
  float8View.setUint32(4, parseInt(hex.slice(8, 16), 16));
  return float8View.getFloat64(0);
}

/** float8's order: NaN above everything and equal to itself, -0 equal to 0. */
function compareFloat8(x: string, y: string): number {
  const a = float8FromHex(x);
  const b = float8FromHex(y);
  if (a !== a || b !== b) return (a !== a ? 1 : 0) - (b !== b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A canonical date (`2024-01-24`, `20240-01-24`, `0044-03-15 BC`, `±infinity`) as a number in date order. */
function dateOrdinal(s: string): number {
  if (s === 'infinity') return Infinity;
  if (s === '-infinity') return -Infinity;
  const bc = s.endsWith(' BC');
  const [y, m, d] = (bc ? s.slice(0, -3) : s).split('-').map(Number) as [number, number, number];
  // 1 BC is year 0 of the proleptic calendar, 2 BC year -1.
  return (bc ? 1 - y : y) * 10000 + m * 100 + d;
}

/**
 * A canonical value as a person reads it: float8 bits and epoch microseconds are exact but
 * opaque, so they show as the number and as UTC date-time text. Anything else is shown as is.
 */
export function displayCanonical(cast: ColumnCast, canon: string): string {
  if (cast.kind === 'float8' && canon.length === 16) return numberText(float8FromHex(canon));
  if (cast.kind === 'datetime' && cast.target !== 'date' && /^-?\d+$/.test(canon)) {
    const us = BigInt(canon);
    let seconds = us / 1_000_000n;
    let micros = us % 1_000_000n;
    if (micros < 0n) {
      micros += 1_000_000n;
      seconds -= 1n;
    }
    const text = formatDateTime(Number(seconds), Number(micros));
    if (text !== null) return cast.target === 'timestamptz' ? `${text}+00` : text;
  }
  return canon;
}

/**
 * Display forms of two different canonical values: the readable ones when they still differ
 * (two NaNs with different bits print alike), else the canonical texts; cut by diffWindow.
 */
function displayPair(cast: ColumnCast, a: string | null, b: string | null): [string, string] {
  const da = a === null ? null : displayCanonical(cast, a);
  const db = b === null ? null : displayCanonical(cast, b);
  return da === db ? diffWindow(a, b) : diffWindow(da, db);
}

/** The source rows of a table in key order, encoded by the loader's own row encoder. */
function* sourceRows(db: SqliteDb, t: TablePlan, keyTargets: readonly string[], skipKeys: ReadonlySet<string>): Generator<KeyedRow> {
  const keyIdx = keyTargets.map((k) => t.columns.findIndex((c) => c.target === k));
  const keySources = keyIdx.map((i) => t.columns[i]!.source);
  const offset = columnOffset(t);
  const label = keyReader(t);
  const encode = createRowEncoder(t, label);
  for (const row of iterateRowsByKey(db, t, keySources)) {
    const key = label(row);
    if (skipKeys.has(key)) continue;
    const r = encode(row as SqliteValue[], offset);
    if (isRowProblem(r)) continue; // quarantined at load time: excluded on both sides
    const values = [...r.values];
    yield { keyCanon: keyIdx.map((i) => values[i]!), digest: r.digest ? r.digest.toString('hex') : rowDigest(r.canonical), canon: values, label: key };
  }
}

async function* targetRows(client: pg.ClientBase, schema: string, t: TablePlan, keyTargets: readonly string[]): AsyncGenerator<KeyedRow> {
  const keyCasts = keyTargets.map((k) => t.columns.find((c) => c.target === k)!.cast);
  const sql = rowDigestsSql(schema, t.target, checksumColumns(t), keyTargets);
  const cursor = `sqlite2pg_pinpoint`;
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`);
    for (;;) {
      const r = await client.query<Record<string, string>>(`FETCH ${FETCH} FROM ${cursor}`);
      for (const row of r.rows) {
        const keyCanon = keyTargets.map((k) => row[k]!);
        yield { keyCanon, digest: row['digest']!, canon: null, label: keyTargets.map((k, i) => `${k}=${displayCanonical(keyCasts[i]!, keyCanon[i]!)}`).join(', ') };
      }
      if (r.rows.length < FETCH) break;
    }
  } finally {
    await client.query('COMMIT').catch(() => undefined);
  }
}

/** Canonical values of one target row, by key, for the column-level diff. */
async function targetValues(client: pg.ClientBase, schema: string, t: TablePlan, keyTargets: readonly string[], keyCanon: readonly string[]): Promise<(string | null)[] | null> {
  const cols = t.columns.map((c) => canonicalSql(c.cast, quoteIdent(c.target)));
  const where = keyTargets.map((k, i) => `${canonicalSql(t.columns.find((c) => c.target === k)!.cast, quoteIdent(k))} = $${i + 1}`).join(' AND ');
  const r = await client.query({ text: `SELECT ${cols.join(', ')} FROM ${qualify(schema, t.target)} WHERE ${where} LIMIT 1`, values: [...keyCanon], rowMode: 'array' });
  return (r.rows[0] as (string | null)[] | undefined) ?? null;
}

export interface PinpointResult {
  readonly rows: readonly DifferingRow[];
  /** More differences exist than the limit allowed to list. */
  readonly truncated: boolean;
  /** Why nothing could be listed (no key), or null. */
  readonly note: string | null;
}

export async function pinpointDifferences(client: pg.ClientBase, db: SqliteDb, schema: string, t: TablePlan, options: { limit: number; skipKeys: ReadonlySet<string> }): Promise<PinpointResult> {
  if (!t.primaryKey) return { rows: [], truncated: false, note: 'the table has no primary key, so differing rows cannot be located: only the count and checksum are compared' };
  const keyTargets = t.primaryKey.columns;
  const keyCasts = keyTargets.map((k) => t.columns.find((c) => c.target === k)!.cast);
  const out: DifferingRow[] = [];
  const src = sourceRows(db, t, keyTargets, options.skipKeys);
  const tgt = targetRows(client, schema, t, keyTargets);
  const changed: { key: readonly string[]; label: string; canon: readonly (string | null)[] }[] = [];
  let truncated = false;
  const full = (): boolean => out.length + changed.length >= options.limit;
  // Both sides are walked by hand (next(), not for…of), so stopping early at the limit, or an
  // error, must close them explicitly: an open SQLite iterator keeps its connection busy (no
  // other statement, no close()), an open cursor keeps its transaction.
  try {
    let s = src.next();
    let g = await tgt.next();
    while (!s.done || !g.done) {
      if (full()) {
        truncated = true;
        break;
      }
      const c = s.done ? 1 : g.done ? -1 : compareKeys(s.value.keyCanon, g.value.keyCanon, keyCasts);
      if (c < 0 && !s.done) {
        out.push({ key: s.value.label, kind: 'missing-in-target', columns: [] });
        s = src.next();
      } else if (c > 0 && !g.done) {
        out.push({ key: g.value.label, kind: 'extra-in-target', columns: [] });
        g = await tgt.next();
      } else if (!s.done && !g.done) {
        if (s.value.digest !== g.value.digest) changed.push({ key: g.value.keyCanon, label: s.value.label, canon: s.value.canon! });
        s = src.next();
        g = await tgt.next();
      }
    }
  } finally {
    src.return(undefined);
    await tgt.return(undefined);
  }
  for (const ch of changed) {
    const tv = await targetValues(client, schema, t, keyTargets, ch.key);
    const columns = t.columns
      .map((c, i) => ({ column: c.target, cast: c.cast, source: ch.canon[i] ?? null, target: tv ? tv[i] ?? null : null }))
      .filter((x) => x.source !== x.target)
      .map((x) => {
        const [source, target] = displayPair(x.cast, x.source, x.target);
        return { column: x.column, source, target };
      });
    out.push({ key: ch.label, kind: 'changed', columns });
  }
  return { rows: out, truncated, note: null };
}
