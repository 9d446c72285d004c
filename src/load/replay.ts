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
import { ReverseFailure, reverseFor } from '../plan/casts/reverse.js';
import { qualify, quoteIdent } from '../plan/identifiers.js';
import type { SqliteDb } from '../source/sqlite-db.js';
import { selectByKeySql } from '../source/read-rows.js';
import { sqliteIdent } from '../source/introspect-sqlite.js';
import { canonicalizer, canonicalRowSql, canonicalSql } from '../encode/canonical.js';
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
  /** Indexes (into pgKeys) of the keys whose row is quarantined: present in SQLite, absent in PostgreSQL. */
  readonly quarantinedAt: Set<number>;
}

/** Read and encode the current rows of a table's changed keys (inside the caller's SQLite read transaction). */
function readCurrent(db: SqliteDb, rt: ReplayTable): Prepared {
  const t = rt.table;
  const stmt = db.prepare(selectByKeySql(t, rt.keyColumns)).raw(true).safeIntegers(true);
  const keyIdx = rt.keyColumns.map((k) => t.columns.findIndex((c) => c.source === k));
  if (keyIdx.some((i) => i < 0)) throw new LoadError('E_REPLAY_KEY', `${t.source}: a key column is not migrated (skipped by its mapping), so its changes cannot be replayed.`, { hint: 'Migrate the key columns, or migrate offline.' });
  const keyConv = keyIdx.map((i) => converterFor(t.columns[i]!.cast, { nul: t.columns[i]!.nul }));
  const encode = createRowEncoder(t, () => 'replayed key');
  const out: Prepared = { rt, pgKeys: [], srcHash: [], lines: [], quarantined: [], quarantinedAt: new Set() };
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
      out.quarantinedAt.add(out.srcHash.length);
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

function sentColumns(t: TablePlan): string[] {
  return t.columns.filter((c) => !c.generated).map((c) => quoteIdent(c.target));
}

/** The round's present rows of a table in a temp table `sqlite2pg_replay_<table>` (dropped at the end of the transaction); its quoted name. */
async function incoming(client: pg.ClientBase, staging: string, p: Prepared): Promise<string> {
  const t = p.rt.table;
  const sent = sentColumns(t);
  const tmp = quoteIdent(`sqlite2pg_replay_${t.target}`.slice(0, 63));
  await client.query(`CREATE TEMP TABLE ${tmp} ON COMMIT DROP AS SELECT ${sent.join(', ')} FROM ${qualify(staging, t.target)} WITH NO DATA`);
  const copy = client.query(copyFrom(`COPY ${tmp} (${sent.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(p.lines.map((l) => Buffer.from(l, 'utf8'))), copy);
  return tmp;
}

async function applyTable(client: pg.ClientBase, staging: string, p: Prepared, referenced: boolean, phase: 'delete' | 'upsert', forced?: ReadonlySet<string>): Promise<{ deleted: number; upserted: number }> {
  const t = p.rt.table;
  const table = qualify(staging, t.target);
  if (phase === 'delete') {
    // A table no foreign key references: delete every changed key, then insert (no unique
    // conflict between rows of the round). A referenced one: delete only the absent keys and
    // upsert the rest, so PostgreSQL's ON DELETE CASCADE never removes a child we keep; and the
    // keys a closed round deletes first (a unique cycle), whose children the round holds too.
    const del = referenced ? (i: number) => p.srcHash[i] === null || (forced?.has(JSON.stringify(p.pgKeys[i])) ?? false) : undefined;
    const params = keyParams(p, del);
    if (params[0]!.length === 0) return { deleted: 0, upserted: 0 };
    const r = await client.query(`DELETE FROM ${table} AS r WHERE ${keyMatch(t, 'r', 1)}`, params);
    return { deleted: r.rowCount ?? 0, upserted: 0 };
  }
  if (p.lines.length === 0) return { deleted: 0, upserted: 0 };
  const sent = sentColumns(t);
  const tmp = await incoming(client, staging, p);
  const keys = t.primaryKey!.columns.map(quoteIdent);
  const rest = sent.filter((c) => !keys.includes(c));
  const conflict = referenced ? ` ON CONFLICT (${keys.join(', ')}) DO ${rest.length ? `UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'NOTHING'}` : '';
  const r = await client.query(`INSERT INTO ${table} (${sent.join(', ')}) SELECT ${sent.join(', ')} FROM ${tmp}${conflict}`);
  return { deleted: 0, upserted: r.rowCount ?? 0 };
}

/** Where a round goes. `counts`: what each staging table holds by its counting triggers (see cutover/staging-counters.ts), read in the round's transaction, to see writes the round caused outside its keys. */
export interface ReplayTarget {
  readonly staging: string;
  readonly plan: Plan;
  readonly counts?: (client: pg.ClientBase) => Promise<ReadonlyMap<string, { readonly count: number; readonly sum: bigint }>>;
}

/** Rows outside the round's keys changed by its statements (an ON DELETE / ON UPDATE action of PostgreSQL), seen by the staging counters. */
class OutsideWrite extends Error {
  readonly code = 'E_REPLAY_OUTSIDE';
}

type RecordRound = (client: pg.ClientBase, carry: ReadonlyMap<string, Carry>, deltas: readonly TableDelta[]) => Promise<void>;

/**
 * One round. `db` must be inside a read transaction (or the cutover's write lock) for a
 * consistent view across tables. `carry` is updated in place only when the round commits.
 *
 * A round closed over its conflicts: the current row of a key of this round may hold a UNIQUE
 * value that a key outside the round gave up in a later change (still its holder in staging), or
 * reference a parent row a later change inserted (not in staging yet), so the round alone fails
 * with 23505 / 23503. Replay being idempotent and order-free, adding keys to a round is always
 * sound: on such a failure (the conflict path only; a round without one pays nothing) the keys it
 * conflicts with are found (closureKeys), their current rows read in the same SQLite read
 * transaction, and the round redone with them as changed keys of its own (hashed, proved and
 * counted like every other), until it applies: a chain A → B → C takes a pass per link.
 */
export async function replayRound(
  client: pg.ClientBase,
  db: SqliteDb,
  o: ReplayTarget,
  tables: readonly ReplayTable[],
  carry: Map<string, Carry>,
  record: RecordRound,
): Promise<RoundResult> {
  const start = Date.now();
  const round = new Map(tables.map((x) => [x.table.source, x]));
  const read = new Map<string, Prepared>();
  /** Per table, the keys (PostgreSQL key tuples as JSON) deleted before the round inserts, though present. */
  const forced = new Map<string, Set<string>>();
  // Off once the closure finds nothing for a write outside the round: it is then left to the cutover's proof.
  let outsideCheck = true;
  for (let pass = 1; ; pass++) {
    const order = parentsFirst(o.plan, new Set(round.keys()));
    const prepared = order.map((t) => {
      let p = read.get(t.source);
      if (!p) read.set(t.source, (p = readCurrent(db, round.get(t.source)!)));
      return p;
    });
    try {
      return await applyRound(client, outsideCheck ? o : { staging: o.staging, plan: o.plan }, prepared, forced, carry, record, start);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code !== '23505' && code !== '23503' && !(e instanceof OutsideWrite)) throw e;
      const what = `${(e as Error).message}${(e as { detail?: unknown }).detail ? ` (${String((e as { detail?: unknown }).detail)})` : ''}`;
      if (pass >= CLOSURE_PASSES) {
        throw new LoadError('E_REPLAY_CONFLICT', `A replay round still conflicts with rows outside it after ${CLOSURE_PASSES} passes adding the keys it conflicts with: ${what}.`, {
          cause: e,
          hint: 'Nothing was applied (the round rolled back) and app.db keeps capturing; this is a bug in replay: please report it with this message.',
        });
      }
      const extra = await closureKeys(client, db, o, prepared, forced);
      const added = addKeys(o.plan, round, read, forced, extra);
      if (added.length === 0 && e instanceof OutsideWrite) {
        outsideCheck = false;
        continue;
      }
      if (added.length === 0) {
        throw new LoadError('E_REPLAY_CONFLICT', `A replay round cannot be applied to the staging schema: ${what}, and no key outside the round explains it (no later change gave the value up or inserted the parent).`, {
          cause: e,
          problems: prepared.map((p) => `${p.rt.table.source}: ${p.pgKeys.length} keys in the round`),
          hint: 'Nothing was applied (the round rolled back) and app.db stays writable. A value SQLite holds twice that PostgreSQL sees as equal (1 and \'1\' in a column without affinity), or a row referencing a parent that does not exist (foreign keys off in the application), cannot be migrated online: fix the rows in app.db, or abort (sync --abort).',
        });
      }
    }
  }
}

/** Passes a round may take to close over its conflicts (each adds at least one key). */
const CLOSURE_PASSES = 20;

async function applyRound(client: pg.ClientBase, o: ReplayTarget, prepared: readonly Prepared[], forced: ReadonlyMap<string, ReadonlySet<string>>, carry: Map<string, Carry>, record: RecordRound, start: number): Promise<RoundResult> {
  const referenced = new Set(o.plan.tables.flatMap((t) => t.foreignKeys.map((f) => f.refTable)));
  const next = new Map<string, Carry>([...carry].map(([k, v]) => [k, { ...v }]));
  const counts = new Map<string, { deleted: number; upserted: number }>();
  await client.query('BEGIN');
  try {
    const counted = o.counts ? await o.counts(client) : null;
    const before = new Map<string, { texts: string[]; hashes: Map<string, bigint> }>();
    for (const p of prepared) {
      if (!p.rt.table.primaryKey) throw new LoadError('E_REPLAY_KEY', `${p.rt.table.source} has no primary key in the target, so its changes cannot be replayed.`);
      before.set(p.rt.table.source, { texts: await keyTexts(client, p), hashes: await targetHashes(client, o.staging, p) });
    }
    // Children first for deletes, parents first for inserts: foreign keys hold after each statement.
    for (const p of [...prepared].reverse()) counts.set(p.rt.table.source, await applyTable(client, o.staging, p, referenced.has(p.rt.table.target), 'delete', forced.get(p.rt.table.source)));
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
    // Writes outside the round's keys (a cascade PostgreSQL applied, the source did not): a conflict the closure resolves.
    // A counter that did not move is not compared: its triggers may be gone (the cutover then reads that table in full).
    if (counted) {
      const now = await o.counts!(client);
      for (const [table, c1] of now) {
        const c0 = counted.get(table);
        const a = carry.get(table);
        const b = next.get(table);
        if (!c0 || !a || !b) continue;
        const moved = { count: c1.count - c0.count, sum: (c1.sum - c0.sum + TWO_64) % TWO_64 };
        if (moved.count === 0 && moved.sum === 0n) continue;
        if (moved.count !== b.targetCount - a.targetCount || moved.sum !== (b.targetSum - a.targetSum + TWO_64) % TWO_64) {
          throw new OutsideWrite(`the round changed rows of ${table} outside its keys (an ON DELETE or ON UPDATE action of a foreign key)`);
        }
      }
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

/** A table's replay key: the captured key columns when the table is in the round, else its primary key's (the same columns). */
function keyColumnsOf(t: TablePlan, round: ReadonlyMap<string, ReplayTable>): readonly string[] {
  return round.get(t.source)?.keyColumns ?? t.primaryKey!.columns.map((k) => t.columns.find((c) => c.target === k)!.source);
}

/** Rows the round needs, as values of `by` (target columns): canonical texts per row. */
interface Wanted {
  readonly t: TablePlan;
  readonly by: readonly string[];
  readonly rows: readonly (readonly (string | null)[])[];
  /** `by` is the key: a row absent from SQLite joins the round too (its key is deleted). */
  readonly isKey: boolean;
  /** The rows are deleted before the round inserts (see replayRound). */
  readonly deleteFirst: boolean;
}

/** Keys found for the round: SQLite values in the table's replay key order. */
interface Found {
  readonly t: TablePlan;
  readonly keys: SqliteValue[][];
  readonly deleteFirst: boolean;
}

/** The non-primary unique indexes of a staging table: per index its key expressions and predicate, as PostgreSQL prints them (unqualified column names). */
async function uniqueIndexes(client: pg.ClientBase, staging: string, table: string): Promise<{ exprs: string[]; pred: string | null }[]> {
  const r = await client.query<{ exprs: string[]; pred: string | null }>(
    `SELECT ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, false) FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) AS exprs, pg_get_expr(i.indpred, i.indrelid) AS pred
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique AND NOT i.indisprimary`,
    [staging, table],
  );
  return r.rows;
}

/**
 * The keys a failed round conflicts with, found in PostgreSQL (in a transaction of its own,
 * rolled back) and then in SQLite (in the caller's read transaction):
 * - unique, outside: staging rows outside the round holding, under a non-primary unique index
 *   (expression and partial indexes included, each side evaluated unqualified over its own
 *   rows), a value an incoming row holds: they gave it up in a later change, so they join;
 * - unique, inside a referenced table (upserted, not deleted first): a staging row of the round
 *   holding a value another key's incoming row takes (a swap, a rotation): PostgreSQL checks a
 *   unique index row by row, so no upsert order applies a cycle; such rows are deleted first;
 * - foreign key, child side: values an incoming child row references that no staging row outside
 *   the round and no incoming row holds (a parent inserted by a later change): the parent rows
 *   holding them now in SQLite join;
 * - foreign key, parent side: staging children outside the round referencing a parent row the
 *   round deletes (absent, or deleted first) or whose referenced value it changes (they moved
 *   away or went in a later change): they join and are deleted first, so no ON DELETE action of
 *   PostgreSQL ever fires on a row the source did not change that way.
 * Keys found in PostgreSQL are turned back into SQLite values by the reverse casts, each checked
 * by the forward cast and the canonical form, and looked up in SQLite with `IS`, so a key joins
 * with the exact spelling SQLite holds (or, absent from SQLite, as its deletion).
 */
async function closureKeys(client: pg.ClientBase, db: SqliteDb, o: ReplayTarget, prepared: readonly Prepared[], forced: ReadonlyMap<string, ReadonlySet<string>>): Promise<Found[]> {
  const byTarget = new Map(o.plan.tables.map((t) => [t.target, t]));
  const inRound = new Map(prepared.map((p) => [p.rt.table.target, p]));
  const referenced = new Set(o.plan.tables.flatMap((t) => t.foreignKeys.map((f) => f.refTable)));
  const pkCols = (t: TablePlan): string[] => t.primaryKey!.columns.map((k) => quoteIdent(k));
  const canonKeys = (t: TablePlan, alias: string): string => t.primaryKey!.columns.map((k, j) => `${canonicalSql(t.columns.find((c) => c.target === k)!.cast, `${alias}.${quoteIdent(k)}`)} AS ${quoteIdent(`k${j}`)}`).join(', ');
  const rowsOf = (r: pg.QueryResult, n: number): (string | null)[][] => r.rows.map((x: { [k: string]: string | null }) => Array.from({ length: n }, (_, j) => x[`k${j}`] ?? null));
  const wanted: Wanted[] = [];
  await client.query('BEGIN');
  try {
    const tmp = new Map<string, string>();
    for (const p of prepared) if (p.lines.length) tmp.set(p.rt.table.target, await incoming(client, o.staging, p));
    // The keys of staging rows the round removes before it inserts: absent, or deleted first.
    const removed = new Map<string, (string | null)[][]>();
    for (const p of prepared) {
      const f = forced.get(p.rt.table.source);
      const all = !referenced.has(p.rt.table.target);
      // A quarantined row's children stay in SQLite: PostgreSQL's cascade on them is the cutover's to refuse (window-proof.test.ts).
      removed.set(p.rt.table.target, keyParams(p, (i) => all || (p.srcHash[i] === null && !p.quarantinedAt.has(i)) || (f?.has(JSON.stringify(p.pgKeys[i])) ?? false)));
    }
    for (const p of prepared) {
      const t = p.rt.table;
      const tt = tmp.get(t.target);
      if (!tt) continue;
      const table = qualify(o.staging, t.target);
      const n = t.primaryKey!.columns.length;
      const pk = pkCols(t);
      for (const ix of await uniqueIndexes(client, o.staging, t.target)) {
        const vals = ix.exprs.map((e, j) => `(${e}) AS ${quoteIdent(`v${j}`)}`).join(', ');
        const where = ix.pred ? ` AND (${ix.pred})` : '';
        const on = ix.exprs.map((_, j) => `a.${quoteIdent(`v${j}`)} = b.${quoteIdent(`v${j}`)}`).join(' AND ');
        const b = `b AS (SELECT ${pk.map((k, j) => `${k} AS ${quoteIdent(`k${j}`)}`).join(', ')}, ${vals} FROM ${tt} WHERE true${where})`;
        const a = (inside: boolean): string => `a AS (SELECT ${canonKeys(t, 's')}, ${pk.map((k, j) => `s.${k} AS ${quoteIdent(`p${j}`)}`).join(', ')}, ${vals} FROM ${table} AS s WHERE ${inside ? '' : 'NOT '}${keyMatch(t, 's', 1)}${where})`;
        const out = await client.query(`WITH ${a(false)}, ${b} SELECT DISTINCT ${Array.from({ length: n }, (_, j) => `a.${quoteIdent(`k${j}`)}`).join(', ')} FROM a JOIN b ON ${on}`, keyParams(p));
        if (out.rows.length) wanted.push({ t, by: t.primaryKey!.columns, rows: rowsOf(out, n), isKey: true, deleteFirst: false });
        if (!referenced.has(t.target)) continue;
        const differ = `(${Array.from({ length: n }, (_, j) => `a.${quoteIdent(`p${j}`)}`).join(', ')}) IS DISTINCT FROM (${Array.from({ length: n }, (_, j) => `b.${quoteIdent(`k${j}`)}`).join(', ')})`;
        const inside = await client.query(`WITH ${a(true)}, ${b} SELECT DISTINCT ${Array.from({ length: n }, (_, j) => `a.${quoteIdent(`k${j}`)}`).join(', ')} FROM a JOIN b ON ${on} AND ${differ}`, keyParams(p));
        if (inside.rows.length) wanted.push({ t, by: t.primaryKey!.columns, rows: rowsOf(inside, n), isKey: true, deleteFirst: true });
      }
      // Child side: parents the incoming rows reference that staging will not hold.
      for (const fk of t.foreignKeys) {
        const parent = byTarget.get(fk.refTable);
        if (!parent?.primaryKey || fk.columns.some((c) => t.columns.find((x) => x.target === c)?.generated)) continue;
        const pp = inRound.get(parent.target);
        const pcols = fk.refColumns.map((r) => parent.columns.find((c) => c.target === r)!);
        const match = (x: string): string => fk.refColumns.map((r, j) => `${x}.${quoteIdent(r)} = c.${quoteIdent(fk.columns[j]!)}`).join(' AND ');
        const ptmp = tmp.get(parent.target);
        const sql = `SELECT DISTINCT ${pcols.map((pc, j) => `${canonicalSql(pc.cast, `(c.${quoteIdent(fk.columns[j]!)})::${pc.pgType}`)} AS ${quoteIdent(`k${j}`)}`).join(', ')} FROM ${tt} AS c
          WHERE ${fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(' AND ')}
          AND NOT EXISTS (SELECT 1 FROM ${qualify(o.staging, parent.target)} AS x WHERE ${match('x')}${pp ? ` AND NOT ${keyMatch(parent, 'x', 1)}` : ''})
          ${ptmp ? `AND NOT EXISTS (SELECT 1 FROM ${ptmp} AS y WHERE ${match('y')})` : ''}`;
        const r = await client.query(sql, pp ? keyParams(pp) : []);
        if (r.rows.length) wanted.push({ t: parent, by: fk.refColumns, rows: rowsOf(r, pcols.length), isKey: false, deleteFirst: false });
      }
    }
    // Parent side: staging children, not removed by the round before its parents, referencing a
    // parent row of the round that is removed, or upserted with another referenced value.
    for (const p of prepared) {
      const parent = p.rt.table;
      const n = parent.primaryKey!.columns.length;
      const ptmp = tmp.get(parent.target);
      for (const child of o.plan.tables) {
        if (!child.primaryKey) continue;
        const cp = inRound.get(child.target);
        for (const fk of child.foreignKeys.filter((f) => f.refTable === parent.target)) {
          const match = fk.refColumns.map((r, j) => `x.${quoteIdent(r)} = c.${quoteIdent(fk.columns[j]!)}`).join(' AND ');
          const same = [...parent.primaryKey!.columns, ...fk.refColumns].map((r) => `y.${quoteIdent(r)} = x.${quoteIdent(r)}`).join(' AND ');
          const sql = `SELECT ${canonKeys(child, 'c')} FROM ${qualify(o.staging, child.target)} AS c
            WHERE ${fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(' AND ')}
            AND EXISTS (SELECT 1 FROM ${qualify(o.staging, parent.target)} AS x WHERE ${match} AND ${keyMatch(parent, 'x', 1)}
              AND (${keyMatch(parent, 'x', 1 + n)}${ptmp ? ` OR NOT EXISTS (SELECT 1 FROM ${ptmp} AS y WHERE ${same})` : ' OR true'}))
            ${cp ? `AND NOT ${keyMatch(child, 'c', 1 + 2 * n)}` : ''}`;
          const r = await client.query(sql, [...keyParams(p, (i) => !p.quarantinedAt.has(i)), ...removed.get(parent.target)!, ...(cp ? removed.get(child.target)! : [])]);
          if (r.rows.length) wanted.push({ t: child, by: child.primaryKey.columns, rows: rowsOf(r, child.primaryKey.columns.length), isKey: true, deleteFirst: true });
        }
      }
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
  const round = new Map(prepared.map((p) => [p.rt.table.source, p.rt]));
  return wanted.map((w) => ({ t: w.t, keys: sqliteKeys(db, w, keyColumnsOf(w.t, round)), deleteFirst: w.deleteFirst }));
}

/** Template values offered to a reverse cast: one per SQLite storage class, so every spelling the forward cast accepts is tried. */
const TEMPLATES: readonly (SqliteValue | undefined)[] = [undefined, 0n, 0.5, '', Buffer.alloc(0)];

/** The SQLite values of a column that load as exactly `canon` (reverse cast, forward cast, canonical form). */
function spellings(c: TablePlan['columns'][number], canon: string | null): SqliteValue[] {
  if (canon === null) return [null];
  const reverse = reverseFor(c.cast);
  const forward = converterFor(c.cast, { nul: c.nul });
  const canonical = canonicalizer(c.cast);
  const out = new Map<string, SqliteValue>();
  for (const tmpl of TEMPLATES) {
    const v = reverse(canon, tmpl);
    if (v instanceof ReverseFailure) continue;
    const pgText = forward(v);
    if (pgText === null || pgText instanceof CastFailure || canonical(pgText) !== canon) continue;
    out.set(`${typeof v}:${Buffer.isBuffer(v) ? v.toString('hex') : String(v)}`, v);
  }
  return [...out.values()];
}

/** The keys (keyColumns order, as SQLite holds them) of the rows whose `by` columns hold the wanted values; for a wanted key absent from SQLite, the key itself. */
function sqliteKeys(db: SqliteDb, w: Wanted, keyColumns: readonly string[]): SqliteValue[][] {
  const cols = w.by.map((b) => w.t.columns.find((c) => c.target === b)!);
  const stmt = db
    .prepare(`SELECT ${keyColumns.map(sqliteIdent).join(', ')} FROM ${sqliteIdent(w.t.source)} WHERE ${cols.map((c) => `${sqliteIdent(c.source)} IS ?`).join(' AND ')}`)
    .raw(true)
    .safeIntegers(true);
  const out: SqliteValue[][] = [];
  for (const row of w.rows) {
    let combos: SqliteValue[][] = [[]];
    row.forEach((canon, j) => (combos = combos.flatMap((c) => spellings(cols[j]!, canon).map((v) => [...c, v]))));
    let found = false;
    for (const combo of combos.slice(0, 64)) {
      for (const k of stmt.all(...combo) as SqliteValue[][]) {
        out.push(k);
        found = true;
      }
    }
    // Absent under every spelling: the key's deletion joins the round (`by` is the key, in key order).
    if (!found && w.isKey && combos[0]) out.push(keyColumns.map((k) => combos[0]![cols.findIndex((c) => c.source === k)]!));
  }
  return out;
}

/** Add the keys found to the round (tables joining with the key of their primary key), and to `forced` those to delete first; the tables grown lose their read rows. Returns what was new. */
function addKeys(plan: Plan, round: Map<string, ReplayTable>, read: Map<string, Prepared>, forced: Map<string, Set<string>>, extra: readonly Found[]): string[] {
  const added: string[] = [];
  for (const { t, keys, deleteFirst } of extra) {
    const keyColumns = keyColumnsOf(t, round);
    const conv = keyColumns.map((k) => {
      const c = t.columns.find((x) => x.source === k)!;
      return converterFor(c.cast, { nul: c.nul });
    });
    const rt = round.get(t.source) ?? { table: plan.tables.find((x) => x.target === t.target)!, keyColumns, keys: [] };
    const have = new Set(rt.keys.map((k) => JSON.stringify(k.map((v, i) => conv[i]!(v)))));
    const grown = [...rt.keys];
    for (const k of keys) {
      const id = JSON.stringify(k.map((v, i) => conv[i]!(v)));
      if (deleteFirst) {
        let f = forced.get(t.source);
        if (!f) forced.set(t.source, (f = new Set()));
        if (!f.has(id)) {
          f.add(id);
          if (have.has(id)) added.push(`${t.source} (${keyLabel(keyColumns, k)}), deleted first`);
        }
      }
      if (have.has(id)) continue;
      have.add(id);
      grown.push(k);
      added.push(`${t.source} (${keyLabel(keyColumns, k)})`);
    }
    if (grown.length === rt.keys.length) continue;
    round.set(t.source, { ...rt, keys: grown });
    read.delete(t.source);
  }
  return added;
}
