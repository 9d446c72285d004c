/**
 * When a table's checksum differs, find the rows: walk both sides in primary-key order and
 * compare per-row digests (the target sends key + 16-byte digest per row, never the data),
 * then fetch the canonical column values of the differing rows only (up to a limit).
 */
import type pg from 'pg';
import type { ColumnCast, TablePlan } from '../model/plan.js';
import type { DifferingRow } from '../model/run-result.js';
import { CastFailure, converterFor, type SqliteValue } from '../plan/casts/index.js';
import { qualify, quoteIdent } from '../plan/identifiers.js';
import type { SqliteDb } from '../source/sqlite-db.js';
import { columnOffset, iterateRowsByKey, keyReader } from '../source/read-rows.js';
import { canonicalizer, canonicalRow, canonicalSql } from './canonical.js';
import { rowDigest, rowDigestsSql } from './checksum.js';
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

/** Both values, cut to a window around their first difference so the change is visible. */
export function diffWindow(a: string | null, b: string | null): [string, string] {
  if (a === null || b === null) return [a === null ? 'NULL' : cut(a, 0), b === null ? 'NULL' : cut(b, 0)];
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
    const kind = casts[i]!.kind;
    if (kind === 'integer' || (kind === 'datetime' && casts[i]!.kind === 'datetime' && (casts[i] as { target: string }).target !== 'date')) {
      const d = BigInt(x) - BigInt(y);
      return d < 0n ? -1 : 1;
    }
    if (kind === 'numeric') return Number(x) < Number(y) ? -1 : 1;
    return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
  }
  return 0;
}

/** The source rows of a table in key order, converted and canonicalised exactly as the loader does. */
function* sourceRows(db: SqliteDb, t: TablePlan, keyTargets: readonly string[], skipKeys: ReadonlySet<string>): Generator<KeyedRow> {
  const keyIdx = keyTargets.map((k) => t.columns.findIndex((c) => c.target === k));
  const keySources = keyIdx.map((i) => t.columns[i]!.source);
  const convert = t.columns.map((c) => converterFor(c.cast, { nul: c.nul }));
  const canon = t.columns.map((c) => canonicalizer(c.cast));
  const offset = columnOffset(t);
  const label = keyReader(t);
  for (const row of iterateRowsByKey(db, t, keySources)) {
    const key = label(row);
    if (skipKeys.has(key)) continue;
    const values: (string | null)[] = [];
    let bad = false;
    for (let i = 0; i < t.columns.length; i++) {
      const out = convert[i]!(row[i + offset] as SqliteValue);
      if (out instanceof CastFailure) {
        if (t.columns[i]!.onError === 'null' && !t.columns[i]!.notNull) {
          values.push(null);
          continue;
        }
        bad = true;
        break;
      }
      try {
        values.push(out === null ? null : canon[i]!(out));
      } catch {
        bad = true;
        break;
      }
    }
    if (bad) continue; // quarantined at load time: excluded on both sides
    yield { keyCanon: keyIdx.map((i) => values[i]!), digest: rowDigest(canonicalRow(values)), canon: values, label: key };
  }
}

async function* targetRows(client: pg.ClientBase, schema: string, t: TablePlan, keyTargets: readonly string[]): AsyncGenerator<KeyedRow> {
  const sql = rowDigestsSql(schema, t.target, checksumColumns(t), keyTargets);
  const cursor = `sqlite2pg_pinpoint`;
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`);
    for (;;) {
      const r = await client.query<Record<string, string>>(`FETCH ${FETCH} FROM ${cursor}`);
      for (const row of r.rows) {
        const keyCanon = keyTargets.map((k) => row[k]!);
        yield { keyCanon, digest: row['digest']!, canon: null, label: keyTargets.map((k, i) => `${k}=${keyCanon[i]}`).join(', ') };
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
  let s = src.next();
  let g = await tgt.next();
  const changed: { key: readonly string[]; label: string; canon: readonly (string | null)[] }[] = [];
  let truncated = false;
  const full = (): boolean => out.length + changed.length >= options.limit;
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
  await tgt.return(undefined);
  for (const ch of changed) {
    const tv = await targetValues(client, schema, t, keyTargets, ch.key);
    const columns = t.columns
      .map((c, i) => ({ column: c.target, source: ch.canon[i] ?? null, target: tv ? tv[i] ?? null : null }))
      .filter((x) => x.source !== x.target)
      .map((x) => {
        const [source, target] = diffWindow(x.source, x.target);
        return { column: x.column, source, target };
      });
    out.push({ key: ch.label, kind: 'changed', columns });
  }
  return { rows: out, truncated, note: null };
}
