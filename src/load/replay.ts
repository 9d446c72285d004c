/**
 * Online replay: apply one round of captured keys to the staging schema. For each changed key
 * the current row is re-read from SQLite (so replay is idempotent and order-free), encoded by the
 * loader's own row encoder (casts, quarantine rules), and in ONE PostgreSQL transaction per round:
 * absent keys are deleted, present rows upserted, every changed key's row hash compared between
 * the source (JavaScript canonical form) and PostgreSQL (SQL canonical form, absence included),
 * the carried-forward table checksums updated by the differences, and the caller's `record` runs
 * (the journal's applied position), so a round is applied exactly once across crashes.
 *
 * Plain data in: this module knows nothing of how keys were captured.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Plan, TablePlan } from '../model/plan.js';
import { converterFor, CastFailure, type SqliteValue } from '../plan/casts/index.js';
import { qualify, quoteIdent } from '../plan/identifiers.js';
import type { SqliteDb } from '../source/sqlite-db.js';
import { selectByKeySql } from '../source/read-rows.js';
import { canonicalRowSql } from '../encode/canonical.js';
import { rowDigest } from '../encode/checksum.js';
import { LoadError, VerifyError } from '../errors.js';
import { createRowEncoder, excerpt, isRowProblem, type RowProblem } from '../encode/row-encoder.js';

const TWO_64 = 1n << 64n;

/** A table's carried-forward checksum (count, unsigned 64-bit sum), source and target side. */
export interface Carry {
  count: number;
  sum: bigint;
  targetCount: number;
  targetSum: bigint;
}

export interface ReplayTable {
  readonly table: TablePlan;
  /** Source column names of the captured key, in key order. */
  readonly keyColumns: readonly string[];
  /** Distinct changed keys, values in keyColumns order. */
  readonly keys: readonly (readonly SqliteValue[])[];
}

export interface TableDelta {
  readonly source: string;
  readonly keys: number;
  readonly upserted: number;
  readonly deleted: number;
  readonly quarantined: readonly (RowProblem & { readonly key: string })[];
}

export interface RoundResult {
  readonly tables: readonly TableDelta[];
  readonly ms: number;
}

/** First 64 bits of an md5 hex digest as an unsigned integer (what the checksums sum). */
function head64(hex: string): bigint {
  return BigInt(`0x${hex.slice(0, 16)}`);
}

function keyLabel(cols: readonly string[], key: readonly SqliteValue[]): string {
  return cols.map((c, i) => `${c}=${excerpt(key[i] ?? null)}`).join(', ');
}

/** Tables in foreign-key order, parents first (cycles and self references kept in plan order). */
export function parentsFirst(plan: Plan, names: ReadonlySet<string>): TablePlan[] {
  const byTarget = new Map(plan.tables.map((t) => [t.target, t]));
  const out: TablePlan[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: TablePlan): void => {
    if (state.has(t.target)) return;
    state.set(t.target, 'visiting');
    for (const fk of t.foreignKeys) {
      const p = byTarget.get(fk.refTable);
      if (p && p !== t && !state.has(p.target)) visit(p);
    }
    state.set(t.target, 'done');
    if (names.has(t.source)) out.push(t);
  };
  for (const t of plan.tables) visit(t);
  return out;
}

interface Prepared {
  readonly rt: ReplayTable;
  /** PostgreSQL text of each key part (null for NULL), per changed key. */
  readonly pgKeys: (string | null)[][];
  /** Per key (same order): source row hash (64-bit head) or null when absent or quarantined. */
  readonly srcHash: (bigint | null)[];
  readonly lines: string[];
  readonly quarantined: (RowProblem & { key: string })[];
}

/** Read and encode the current rows of a table's changed keys (inside the caller's SQLite read transaction). */
function readCurrent(db: SqliteDb, rt: ReplayTable): Prepared {
  const t = rt.table;
  const stmt = db.prepare(selectByKeySql(t, rt.keyColumns)).raw(true).safeIntegers(true);
  const keyIdx = rt.keyColumns.map((k) => t.columns.findIndex((c) => c.source === k));
  if (keyIdx.some((i) => i < 0)) throw new LoadError('E_REPLAY_KEY', `${t.source}: a key column is not migrated (skipped by its mapping), so its changes cannot be replayed.`, { hint: 'Migrate the key columns, or migrate offline.' });
  const keyConv = keyIdx.map((i) => converterFor(t.columns[i]!.cast, { nul: t.columns[i]!.nul }));
  const encode = createRowEncoder(t, () => 'replayed key');
  const out: Prepared = { rt, pgKeys: [], srcHash: [], lines: [], quarantined: [] };
  const seen = new Set<string>();
  for (const key of rt.keys) {
    const pk = key.map((v, i) => keyConv[i]!(v));
    if (pk.some((v) => v instanceof CastFailure)) {
      // A key that cannot be cast was quarantined at load and is never in PostgreSQL.
      continue;
    }
    // Two SQLite keys can name one PostgreSQL key (1 and '1' in a column without affinity).
    const id = JSON.stringify(pk);
    if (seen.has(id)) continue;
    seen.add(id);
    out.pgKeys.push(pk as (string | null)[]);
    const row = stmt.get(...key) as SqliteValue[] | undefined;
    if (!row) {
      out.srcHash.push(null);
      continue;
    }
    const r = encode(row, 0);
    if (isRowProblem(r)) {
      out.quarantined.push({ ...r, key: keyLabel(rt.keyColumns, key) });
      out.srcHash.push(null);
      continue;
    }
    out.srcHash.push(head64(r.digest ? r.digest.toString('hex') : rowDigest(r.canonical)));
    out.lines.push(r.line);
  }
  return out;
}

/** `(k1, k2) IN (SELECT ... FROM unnest($1::text[], ...))`, the key columns typed as in the table. */
function keyMatch(t: TablePlan, alias: string, first: number): string {
  const cols = t.primaryKey!.columns.map((k) => t.columns.find((c) => c.target === k)!);
  const u = cols.map((_, i) => `u.${quoteIdent(`k${i}`)}::${cols[i]!.pgType}`);
  return `(${cols.map((c) => `${alias}.${quoteIdent(c.target)}`).join(', ')}) IN (SELECT ${u.join(', ')} FROM unnest(${cols.map((_, i) => `$${first + i}::text[]`).join(', ')}) AS u(${cols.map((_, i) => quoteIdent(`k${i}`)).join(', ')}))`;
}

function keyParams(p: Prepared, which?: (i: number) => boolean): (string | null)[][] {
  const n = p.rt.table.primaryKey!.columns.length;
  const cols: (string | null)[][] = Array.from({ length: n }, () => []);
  p.pgKeys.forEach((k, i) => {
    if (which && !which(i)) return;
    k.forEach((v, j) => cols[j]!.push(v));
  });
  return cols;
}

/** The target row hashes of the changed keys: key tuple (as text) → 64-bit head. */
async function targetHashes(client: pg.ClientBase, staging: string, p: Prepared): Promise<Map<string, bigint>> {
  const t = p.rt.table;
  const keyCols = t.primaryKey!.columns;
  const form = canonicalRowSql(t.columns.map((c) => ({ cast: c.cast, ref: `r.${quoteIdent(c.target)}` })));
  const keyText = keyCols.map((k) => `r.${quoteIdent(k)}::text`).join(', ');
  const r = await client.query<{ k: (string | null)[]; d: string }>(
    `SELECT ARRAY[${keyText}] AS k, md5(${form}) AS d FROM ${qualify(staging, t.target)} AS r WHERE ${keyMatch(t, 'r', 1)}`,
    keyParams(p),
  );
  return new Map(r.rows.map((x) => [JSON.stringify(x.k), head64(x.d)]));
}

/** The same key tuples, as PostgreSQL prints them back (`::text`), to look up targetHashes. */
async function keyTexts(client: pg.ClientBase, p: Prepared): Promise<string[]> {
  const t = p.rt.table;
  const cols = t.primaryKey!.columns.map((k) => t.columns.find((c) => c.target === k)!);
  const r = await client.query<{ k: (string | null)[] }>(
    `SELECT ARRAY[${cols.map((c, i) => `u.${quoteIdent(`k${i}`)}::${c.pgType}::text`).join(', ')}] AS k FROM unnest(${cols.map((_, i) => `$${i + 1}::text[]`).join(', ')}) WITH ORDINALITY AS u(${cols.map((_, i) => quoteIdent(`k${i}`)).join(', ')}, o) ORDER BY u.o`,
    keyParams(p),
  );
  return r.rows.map((x) => JSON.stringify(x.k));
}

async function applyTable(client: pg.ClientBase, staging: string, p: Prepared, referenced: boolean, phase: 'delete' | 'upsert'): Promise<{ deleted: number; upserted: number }> {
  const t = p.rt.table;
  const table = qualify(staging, t.target);
  if (phase === 'delete') {
    // A table no foreign key references: delete every changed key, then insert (no unique
    // conflict between rows of the round). A referenced one: delete only the absent keys and
    // upsert the rest, so PostgreSQL's ON DELETE CASCADE never removes a child we keep.
    const del = referenced ? (i: number) => p.srcHash[i] === null : undefined;
    const params = keyParams(p, del);
    if (params[0]!.length === 0) return { deleted: 0, upserted: 0 };
    const r = await client.query(`DELETE FROM ${table} AS r WHERE ${keyMatch(t, 'r', 1)}`, params);
    return { deleted: r.rowCount ?? 0, upserted: 0 };
  }
  if (p.lines.length === 0) return { deleted: 0, upserted: 0 };
  const sent = t.columns.filter((c) => !c.generated).map((c) => quoteIdent(c.target));
  const tmp = quoteIdent(`sqlite2pg_replay_${t.target}`.slice(0, 63));
  await client.query(`CREATE TEMP TABLE ${tmp} ON COMMIT DROP AS SELECT ${sent.join(', ')} FROM ${table} WITH NO DATA`);
  const copy = client.query(copyFrom(`COPY ${tmp} (${sent.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(p.lines.map((l) => Buffer.from(l, 'utf8'))), copy);
  const keys = t.primaryKey!.columns.map(quoteIdent);
  const rest = sent.filter((c) => !keys.includes(c));
  const conflict = referenced ? ` ON CONFLICT (${keys.join(', ')}) DO ${rest.length ? `UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'NOTHING'}` : '';
  const r = await client.query(`INSERT INTO ${table} (${sent.join(', ')}) SELECT ${sent.join(', ')} FROM ${tmp}${conflict}`);
  return { deleted: 0, upserted: r.rowCount ?? 0 };
}

/**
 * One round. `db` must be inside a read transaction (or the cutover's write lock) for a
 * consistent view across tables. `carry` is updated in place only when the round commits.
 */
export async function replayRound(
  client: pg.ClientBase,
  db: SqliteDb,
  o: { readonly staging: string; readonly plan: Plan },
  tables: readonly ReplayTable[],
  carry: Map<string, Carry>,
  record: (client: pg.ClientBase, carry: ReadonlyMap<string, Carry>, deltas: readonly TableDelta[]) => Promise<void>,
): Promise<RoundResult> {
  const start = Date.now();
  const byName = new Map(tables.map((x) => [x.table.source, x]));
  const order = parentsFirst(o.plan, new Set(byName.keys()));
  const referenced = new Set(o.plan.tables.flatMap((t) => t.foreignKeys.map((f) => f.refTable)));
  const prepared = order.map((t) => readCurrent(db, byName.get(t.source)!));
  const next = new Map<string, Carry>([...carry].map(([k, v]) => [k, { ...v }]));
  const counts = new Map<string, { deleted: number; upserted: number }>();
  await client.query('BEGIN');
  try {
    const before = new Map<string, { texts: string[]; hashes: Map<string, bigint> }>();
    for (const p of prepared) {
      if (!p.rt.table.primaryKey) throw new LoadError('E_REPLAY_KEY', `${p.rt.table.source} has no primary key in the target, so its changes cannot be replayed.`);
      before.set(p.rt.table.source, { texts: await keyTexts(client, p), hashes: await targetHashes(client, o.staging, p) });
    }
    // Children first for deletes, parents first for inserts: foreign keys hold after each statement.
    for (const p of [...prepared].reverse()) counts.set(p.rt.table.source, await applyTable(client, o.staging, p, referenced.has(p.rt.table.target), 'delete'));
    for (const p of prepared) {
      const u = await applyTable(client, o.staging, p, referenced.has(p.rt.table.target), 'upsert');
      const c = counts.get(p.rt.table.source)!;
      counts.set(p.rt.table.source, { deleted: c.deleted, upserted: u.upserted });
    }
    // The proof of the round: per changed key, the source row's hash equals the target row's, absence included.
    const problems: string[] = [];
    for (const p of prepared) {
      const t = p.rt.table;
      const b = before.get(t.source)!;
      const after = await targetHashes(client, o.staging, p);
      const c = next.get(t.source);
      if (!c) throw new LoadError('E_REPLAY_STATE', `${t.source}: no carried checksum recorded for this table.`);
      p.pgKeys.forEach((_, i) => {
        const k = b.texts[i]!;
        const old = b.hashes.get(k);
        const now = after.get(k);
        const src = p.srcHash[i]!;
        if ((now ?? null) !== src) problems.push(`${t.source} (${k}): source ${src === null ? 'absent' : 'present'}, target ${now === undefined ? 'absent' : now === src ? 'equal' : 'different'}`);
        if (old !== undefined) {
          c.count--;
          c.sum = (c.sum - old + TWO_64) % TWO_64;
          c.targetCount--;
          c.targetSum = (c.targetSum - old + TWO_64) % TWO_64;
        }
        if (src !== null) {
          c.count++;
          c.sum = (c.sum + src) % TWO_64;
        }
        if (now !== undefined) {
          c.targetCount++;
          c.targetSum = (c.targetSum + now) % TWO_64;
        }
      });
    }
    if (problems.length) throw new VerifyError(`Replayed rows differ from the source for ${problems.length} key${problems.length > 1 ? 's' : ''}; the round was rolled back.`, { problems: problems.slice(0, 50), hint: 'This is a bug in a cast or in replay: please report it with these keys.' });
    const deltas: TableDelta[] = prepared.map((p) => ({ source: p.rt.table.source, keys: p.pgKeys.length, upserted: counts.get(p.rt.table.source)!.upserted, deleted: counts.get(p.rt.table.source)!.deleted, quarantined: p.quarantined }));
    await record(client, next, deltas);
    await client.query('COMMIT');
    for (const [k, v] of next) carry.set(k, v);
    return { tables: deltas, ms: Date.now() - start };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
