/**
 * After every table has loaded: keys, indexes, constraints, identities, views, statistics,
 * in a fixed order. Each object is one step with its own timing, so the report can show where
 * the time went and which object failed.
 */
import type pg from 'pg';
import type { IndexPlan, Plan, TablePlan } from '../model/plan.js';
import type { StepResult, ObjectCounts } from '../model/run-result.js';
import { checkSql, createViewSql, foreignKeySql, identitySql, indexSql, primaryKeySql, touchTriggerSql } from '../plan/ddl.js';
import { qualify, quoteIdent, quoteLiteral } from '../plan/identifiers.js';
import { LoadError } from '../errors.js';

export interface PostLoadResult {
  readonly steps: StepResult[];
  readonly objects: ObjectCounts;
  readonly warnings: string[];
}

export interface PostLoadOptions {
  readonly schema: string;
  readonly t0: number;
  readonly onStep?: (s: StepResult) => void;
  /** Foreign keys whose data has orphans: `not-valid` (default) creates them NOT VALID and reports the orphans; `fail` stops. */
  readonly orphans: 'not-valid' | 'fail';
  readonly log?: (sql: string) => void;
  /** The live schema the tables end up in, for the SQL shown in warnings (default: `schema`). */
  readonly liveSchema?: string;
}

async function runStep(client: pg.ClientBase, name: string, table: string | undefined, section: StepResult['section'], sqls: readonly string[], o: PostLoadOptions, steps: StepResult[]): Promise<void> {
  const start = Date.now();
  try {
    for (const sql of sqls) {
      o.log?.(sql);
      await client.query(sql);
    }
  } catch (e) {
    const err = e as { message: string; detail?: string; code?: string };
    const step: StepResult = { step: name, section, status: 'failed', startMs: start - o.t0, ms: Date.now() - start, error: err.message, ...(table ? { table } : {}) };
    steps.push(step);
    o.onStep?.(step);
    const hint =
      err.code === '23505'
        ? `The data has duplicates PostgreSQL will not accept (${err.detail ?? ''}). In SQLite they may differ only by type (1 vs '1') or be allowed by a collation.`
        : err.detail ?? 'The live schema is unchanged; the staging schema holds what was built so far.';
    throw new LoadError('E_POST_LOAD', `${name}${table ? ` on ${table}` : ''} failed: ${err.message}`, { cause: e, hint });
  }
  const step: StepResult = { step: name, section, status: 'ok', startMs: start - o.t0, ms: Date.now() - start, ...(table ? { table } : {}) };
  steps.push(step);
  o.onStep?.(step);
}

/**
 * Rows whose FK columns reference nothing (NULLs in any FK column are not orphans, as in SQL):
 * their number, and the first few as `key → values` (the child's primary key when it has one),
 * in key order so the report is stable. The sample is a LIMITed subquery: no aggregate over
 * millions of orphans.
 */
export function orphanCountSql(schema: string, t: TablePlan, fk: TablePlan['foreignKeys'][number]): string {
  const child = qualify(schema, t.target);
  const parent = qualify(schema, fk.refTable);
  const notNull = fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
  const join = fk.columns.map((c, i) => `p.${quoteIdent(fk.refColumns[i]!)} = c.${quoteIdent(c)}`).join(' AND ');
  const where = `${notNull} AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE ${join})`;
  const keyCols = t.primaryKey?.columns ?? [];
  const pair = (col: string): string => `${quoteLiteral(`${col}=`)} || coalesce(c.${quoteIdent(col)}::text, 'NULL')`;
  const fkText = fk.columns.map(pair).join(` || ', ' || `);
  const label = keyCols.length ? `${keyCols.map(pair).join(` || ', ' || `)} || ' → ' || ${fkText}` : fkText;
  const order = keyCols.length ? keyCols.map((k) => `c.${quoteIdent(k)}`).join(', ') : fk.columns.map((k) => `c.${quoteIdent(k)}`).join(', ');
  return `SELECT (SELECT count(*) FROM ${child} c WHERE ${where})::bigint AS n, ARRAY(SELECT ${label} FROM ${child} c WHERE ${where} ORDER BY ${order} LIMIT ${ORPHAN_SAMPLE}) AS sample`;
}

/** Orphan rows named in a warning or error (all of them are counted). */
export const ORPHAN_SAMPLE = 10;

/**
 * A unique index that keeps COLLATE NOCASE uniqueness on lower(col). If PostgreSQL's lower()
 * folds values SQLite's NOCASE (ASCII only) keeps apart ('Émile' / 'émile' under a Unicode
 * LC_CTYPE), the index cannot be built: find those values, build it on lower(col COLLATE "C")
 * instead (exactly NOCASE's folding), and say so, rather than fail the migration.
 */
async function nocaseIndex(client: pg.ClientBase, s: string, t: TablePlan, ix: IndexPlan, o: PostLoadOptions, steps: StepResult[], warnings: string[]): Promise<void> {
  const fallback = ix.asciiFoldParts!;
  const start = Date.now();
  try {
    // One statement (no UNIQUE USING INDEX: the parts are expressions), atomic on failure.
    const [create] = indexSql(s, t, ix);
    o.log?.(create!);
    await client.query(create!);
    const step: StepResult = { step: `unique index ${ix.name}`, section: 'post', status: 'ok', startMs: start - o.t0, ms: Date.now() - start, table: t.target };
    steps.push(step);
    o.onStep?.(step);
    return;
  } catch (e) {
    if ((e as { code?: string }).code !== '23505') {
      // Not about the data: let runStep report it as any other failed object.
      await runStep(client, `unique index ${ix.name}`, t.target, 'post', indexSql(s, t, ix), o, steps);
      return;
    }
  }
  const raw = ix.parts.map((p) => p.replace(/ DESC$/, '').replace(/^lower\((.*)\)$/, '$1'));
  const dup = await client.query<{ v: string[] }>(
    `SELECT array_agg(DISTINCT concat_ws(', ', ${raw.map((x) => `${x}::text`).join(', ')})) AS v FROM ${qualify(s, t.target)}${ix.where ? ` WHERE ${ix.where}` : ''} GROUP BY ${ix.parts.map((p) => p.replace(/ DESC$/, '')).join(', ')} HAVING count(*) > 1 LIMIT 5`,
  );
  const examples = dup.rows.map((r) => r.v.map((x) => `'${x}'`).join(' / ')).join('; ');
  await runStep(client, `unique index ${ix.name} (ASCII case folding)`, t.target, 'post', indexSql(s, t, ix, fallback), o, steps);
  warnings.push(
    `${t.target}: unique index ${ix.name} keeps SQLite's COLLATE NOCASE uniqueness on ${fallback.join(', ')} instead of ${ix.parts.join(', ')}: ` +
      `values that differ only in the case of non-ASCII letters (${examples}) are distinct under NOCASE, which folds ASCII letters only, but equal under this database's lower(). ` +
      `Queries must use ${fallback.join(', ')} to use the index; or make those values distinct and recreate it on ${ix.parts.join(', ')}`,
  );
}

/** The largest bigint: an identity whose max(id) is this has no next value to hand out. */
export const BIGINT_MAX = 9223372036854775807n;

/**
 * The table with its identity columns whose max is already the largest bigint made plain keys:
 * setval(max + 1) would fail ("bigint out of range") and stop the run, and no sequence could give
 * the application a next value anyway. Each one is a skipped step with its reason and a warning.
 * (SQLite itself then picks a random unused rowid, or fails with SQLITE_FULL under AUTOINCREMENT.)
 */
async function withoutFullIdentities(client: pg.ClientBase, s: string, t: TablePlan, o: PostLoadOptions, steps: StepResult[], warnings: string[]): Promise<TablePlan> {
  const ids = t.columns.filter((c) => c.identity);
  if (ids.length === 0) return t;
  const r = await client.query<Record<string, string | null>>(`SELECT ${ids.map((c, i) => `max(${quoteIdent(c.target)})::text AS m${i}`).join(', ')} FROM ${qualify(s, t.target)}`);
  const full = new Set(ids.filter((c, i) => r.rows[0]![`m${i}`] === BIGINT_MAX.toString()).map((c) => c.target));
  if (full.size === 0) return t;
  for (const col of full) {
    const reason = `${t.target}.${col} holds ${BIGINT_MAX}, the largest bigint: an identity could never hand out a next value, so ${col} stays a plain bigint key without a default (the application must supply it on INSERT)`;
    warnings.push(reason);
    const step: StepResult = { step: 'identity reset', section: 'post', status: 'skipped', startMs: Date.now() - o.t0, ms: 0, table: t.target, error: reason };
    steps.push(step);
    o.onStep?.(step);
  }
  return { ...t, columns: t.columns.map((c) => (full.has(c.target) ? { ...c, identity: false } : c)) };
}

export async function buildPostLoad(client: pg.ClientBase, plan: Plan, o: PostLoadOptions): Promise<PostLoadResult> {
  // Every object is its own statement and commit, a few per table: waiting for each commit's WAL
  // flush made 500 small tables spend ~9 s here on a slow disk (~3 s with it off). These objects
  // live in the staging schema, which a crash makes worthless anyway; the cutover commit that
  // publishes them is synchronous again and flushes everything before it.
  // https://www.postgresql.org/docs/current/wal-async-commit.html
  await client.query('SET synchronous_commit TO off');
  try {
    return await buildObjects(client, plan, o);
  } finally {
    await client.query('RESET synchronous_commit').catch(() => undefined);
  }
}

/**
 * Work on one table: pk and index builds (`builds`, which may run at once on several connections:
 * CREATE INDEX takes a SHARE lock, which does not conflict with itself; the pk's ALTER TABLE …
 * USING INDEX waits for the others), then the rest (`after`) in order once they are done, then
 * its statistics (`analyze`), which nothing else of the run waits for until the cutover.
 */
interface TableJob {
  readonly builds: ((client: pg.ClientBase) => Promise<void>)[];
  readonly after: (client: pg.ClientBase) => Promise<void>;
  readonly analyze: (client: pg.ClientBase) => Promise<void>;
}

/** Objects built so far, by kind (the counts of ObjectCounts without `tables`). */
type Counts = Omit<ObjectCounts, 'tables'>;

function tableJob(t: TablePlan, o: PostLoadOptions, steps: StepResult[], warnings: string[], n: { -readonly [K in keyof Counts]: number }): TableJob {
  const s = o.schema;
  const builds: TableJob['builds'] = [];
  // Keys and indexes first: FKs need the referenced unique indexes, and all of them are cheaper
  // to build once on loaded data than to maintain row by row during COPY.
  if (t.primaryKey) {
    builds.push(async (client) => {
      await runStep(client, 'primary key', t.target, 'post', primaryKeySql(s, t), o, steps);
      n.primaryKeys++;
    });
  }
  for (const ix of t.indexes) {
    builds.push(async (client) => {
      if (ix.unique && ix.asciiFoldParts) await nocaseIndex(client, s, t, ix, o, steps, warnings);
      else await runStep(client, `${ix.unique ? 'unique ' : ''}index ${ix.name}`, t.target, 'post', indexSql(s, t, ix), o, steps);
      if (ix.unique) n.uniqueIndexes++;
      else n.indexes++;
    });
  }
  const after = async (client: pg.ClientBase): Promise<void> => {
    for (const ch of t.checks) {
      await runStep(client, `check ${ch.name}`, t.target, 'post', [checkSql(s, t, ch)], o, steps);
      n.checks++;
    }
    // Identity after the load, restarted past max(id): the application's next INSERT must not collide.
    const ids = identitySql(s, await withoutFullIdentities(client, s, t, o, steps, warnings));
    if (ids.length) {
      await runStep(client, 'identity reset', t.target, 'post', ids, o, steps);
      n.identityResets++;
    }
    const touch = touchTriggerSql(s, t);
    if (touch.length) {
      await runStep(client, `touch trigger on ${t.touchColumn}`, t.target, 'post', touch, o, steps);
      n.triggers++;
    }
  };
  const analyze = (client: pg.ClientBase): Promise<void> => runStep(client, 'analyze', t.target, 'post', [`ANALYZE ${qualify(s, t.target)}`], o, steps);
  return { builds, after, analyze };
}

/** Foreign keys (after every table's keys exist: FK cycles, e.g. Sakila store ⇄ staff), then views. */
async function buildLast(client: pg.ClientBase, plan: Plan, o: PostLoadOptions, steps: StepResult[], warnings: string[], n: { -readonly [K in keyof Counts]: number }): Promise<void> {
  const s = o.schema;
  for (const t of plan.tables) {
    for (const fk of t.foreignKeys) {
      const r = await client.query<{ n: string; sample: string[] }>(orphanCountSql(s, t, fk));
      const orphans = Number(r.rows[0]!.n);
      const rows = `${orphans} row${orphans === 1 ? '' : 's'} of ${t.target} reference${orphans === 1 ? 's' : ''} no row of ${fk.refTable} (${fk.columns.join(', ')} → ${fk.refColumns.join(', ')})`;
      const sample = `${orphans > r.rows[0]!.sample.length ? 'first ' : ''}${r.rows[0]!.sample.map((x) => `[${x}]`).join(' ')}`;
      if (orphans > 0 && o.orphans === 'fail') {
        throw new LoadError('E_FK_ORPHANS', `foreign key ${fk.name}: ${rows}: ${sample}`, {
          hint: 'SQLite does not enforce foreign keys unless PRAGMA foreign_keys=ON. Fix the rows, or run with --orphans not-valid to create the key NOT VALID.',
        });
      }
      if (orphans > 0) warnings.push(`foreign key ${fk.name}: ${rows}: ${sample}; created NOT VALID: fix the rows, then ALTER TABLE ${o.liveSchema ? qualify(o.liveSchema, t.target) : quoteIdent(t.target)} VALIDATE CONSTRAINT ${quoteIdent(fk.name)}`);
      await runStep(client, `foreign key ${fk.name}${orphans > 0 ? ' (NOT VALID)' : ''}`, t.target, 'post', [foreignKeySql(s, t, fk, { notValid: orphans > 0 })], o, steps);
      n.foreignKeys++;
    }
  }
  // Views last: they bind to the staging tables by OID (search_path = staging) and move with them.
  for (const v of plan.views) {
    try {
      await runStep(client, `view ${v.target}`, undefined, 'post', [`SET search_path TO ${quoteIdent(s)}, pg_catalog`, createViewSql(s, v), 'RESET search_path'], o, steps);
      n.views++;
    } catch (e) {
      await client.query('RESET search_path');
      // A view that PostgreSQL refuses is a manual follow-up, not a failed migration.
      warnings.push(`view ${v.source} was translated but PostgreSQL refused it: ${(e as Error).message}`);
      steps.pop();
      steps.push({ step: `view ${v.target}`, section: 'post', status: 'skipped', startMs: Date.now() - o.t0, ms: 0, error: (e as Error).message });
    }
  }
}

const zeroCounts = (): { -readonly [K in keyof Counts]: number } => ({ primaryKeys: 0, uniqueIndexes: 0, indexes: 0, foreignKeys: 0, checks: 0, triggers: 0, identityResets: 0, views: 0 });

async function buildObjects(client: pg.ClientBase, plan: Plan, o: PostLoadOptions): Promise<PostLoadResult> {
  const steps: StepResult[] = [];
  const warnings: string[] = [];
  const n = zeroCounts();
  for (const t of plan.tables) {
    const job = tableJob(t, o, steps, warnings, n);
    for (const b of job.builds) await b(client);
    await job.after(client);
    await job.analyze(client);
  }
  await buildLast(client, plan, o, steps, warnings, n);
  return { steps, objects: { tables: plan.tables.length, ...n }, warnings };
}

/** Post-load that starts with the first loaded table, on a few connections of its own. */
export interface PostLoadScheduler {
  /** The table's load is complete (and journaled): build its keys and indexes now, while others still load. */
  tableLoaded(t: TablePlan): void;
  /**
   * Build what is left (tables never announced, e.g. kept by a resume; foreign keys, views) and
   * wait for it. `ANALYZE`s still running go on (verification runs beside them): settle() waits for them.
   */
  finish(): Promise<PostLoadResult>;
  /** After finish(): wait for every table's statistics, then close the connections; throws a failed `ANALYZE`. */
  settle(): Promise<void>;
  /** Close the connections without finishing (the run failed); idempotent. */
  close(): Promise<void>;
}

/**
 * Post-load on `connections` connections of its own (`connect` sets nothing; each gets
 * synchronous_commit off, as buildPostLoad). A table's index builds run at once on the free
 * connections; a table announced by tableLoaded starts while other tables still load. A failed
 * step stops new work; finish() (or settle()) throws it.
 *
 * A table's `ANALYZE` comes last and runs behind every other table's keys: finish() does not wait
 * for it, so the last table's statistics (one backend, ~0.4–0.6 s for the benchmark's events,
 * while the other core idled) are gathered while verification reads the tables. `ANALYZE` takes a
 * SHARE UPDATE EXCLUSIVE lock, which does not conflict with verification's reads; a foreign key
 * (SHARE ROW EXCLUSIVE) waits for it.
 */
export function startPostLoad(connect: () => Promise<pg.Client>, connections: number, plan: Plan, o: PostLoadOptions): PostLoadScheduler {
  const steps: StepResult[] = [];
  const warnings: string[] = [];
  const n = zeroCounts();
  const announced = new Set<string>();
  /** Work not started; `statistics` marks an ANALYZE, which finish() does not wait for. */
  const queue: { readonly run: (client: pg.ClientBase) => Promise<void>; readonly statistics: boolean }[] = [];
  const clients: pg.Client[] = [];
  const idle: pg.Client[] = [];
  let opening = 0;
  let running = 0;
  /** Of `running`, the ANALYZEs. */
  let analyzing = 0;
  let failure: unknown = null;
  let closed = false;
  /** finish() waits for every task but statistics; settle() for all of them. */
  let wakeBuilt: (() => void) | null = null;
  let wakeAll: (() => void) | null = null;
  const settled = (): void => {
    if (failure !== null ? running === 0 : running === analyzing && !queue.some((q) => !q.statistics)) wakeBuilt?.();
    if (running === 0 && (queue.length === 0 || failure !== null)) wakeAll?.();
  };

  const runOn = (client: pg.Client, task: (typeof queue)[number]): void => {
    running++;
    if (task.statistics) analyzing++;
    void task
      .run(client)
      .catch((e) => void (failure ??= e))
      .finally(() => {
        running--;
        if (task.statistics) analyzing--;
        idle.push(client);
        pump();
        settled();
      });
  };
  const pump = (): void => {
    while (queue.length && failure === null && !closed) {
      const client = idle.pop();
      if (client) {
        runOn(client, queue.shift()!);
        continue;
      }
      if (clients.length + opening >= Math.max(1, connections)) return;
      opening++;
      running++; // an opening connection counts as work in progress
      void connect()
        .then(async (c) => {
          clients.push(c);
          await c.query('SET synchronous_commit TO off');
          if (closed) await c.end().catch(() => undefined);
          else idle.push(c);
        })
        .catch((e) => void (failure ??= e))
        .finally(() => {
          opening--;
          running--;
          pump();
          settled();
        });
    }
  };

  const enqueueTable = (t: TablePlan): void => {
    if (announced.has(t.source)) return;
    announced.add(t.source);
    const job = tableJob(t, o, steps, warnings, n);
    // Statistics go to the back of the queue: other tables' keys come first.
    const after = { run: async (client: pg.ClientBase) => {
      await job.after(client);
      queue.push({ run: job.analyze, statistics: true });
    }, statistics: false };
    let left = job.builds.length;
    if (left === 0) {
      queue.push(after);
      return;
    }
    for (const b of job.builds) {
      queue.push({ run: async (client) => {
        await b(client);
        // The last of the table's builds queues the rest of its work.
        if (--left === 0) queue.unshift(after);
      }, statistics: false });
    }
  };

  const close = async (): Promise<void> => {
    closed = true;
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  };

  return {
    tableLoaded(t) {
      enqueueTable(t);
      pump();
    },
    async finish() {
      try {
        for (const t of plan.tables) enqueueTable(t);
        pump();
        await new Promise<void>((resolve) => {
          wakeBuilt = resolve;
          settled();
        });
        wakeBuilt = null;
        if (failure !== null) throw failure;
        let client = idle.pop();
        if (!client) {
          client = await connect();
          clients.push(client);
          await client.query('SET synchronous_commit TO off');
        }
        await buildLast(client, plan, o, steps, warnings, n);
        // Free again for the statistics still queued.
        idle.push(client);
        pump();
        return { steps, objects: { tables: plan.tables.length, ...n }, warnings };
      } catch (e) {
        await close();
        throw e;
      }
    },
    async settle() {
      try {
        await new Promise<void>((resolve) => {
          wakeAll = resolve;
          settled();
        });
        wakeAll = null;
        if (failure !== null) throw failure;
      } finally {
        await close();
      }
    },
    close,
  };
}
