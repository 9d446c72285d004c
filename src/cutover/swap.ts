/**
 * Cutover and rollback are schema moves inside one transaction: the application sees either
 * the old tables or the new ones, never a mix. `ALTER TABLE ... SET SCHEMA` moves a table with its
 * indexes, constraints, owned sequences and triggers, and keeps every OID, so it takes seconds
 * whatever the data size, and extensions or unrelated objects in the live schema stay put.
 * Nothing is dropped with CASCADE.
 */
import type pg from 'pg';
import { qualify, quoteIdent } from '../plan/identifiers.js';
import { LoadError } from '../errors.js';
import { JOURNAL_SCHEMA, type MovedObjects } from './journal.js';
import { countOrphans, foreignKeyDefinition, foreignKeyLabel, liveDependents, type OutsideForeignKey, type SwapDependent } from './rehearse-swap.js';

const J = quoteIdent(JOURNAL_SCHEMA);

interface RelRow {
  name: string;
  kind: string;
}

async function relations(client: pg.ClientBase, schema: string): Promise<RelRow[]> {
  const r = await client.query<RelRow>(
    `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname`,
    [schema],
  );
  return r.rows;
}

async function functions(client: pg.ClientBase, schema: string): Promise<string[]> {
  const r = await client.query<{ sig: string }>(
    `SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`,
    [schema],
  );
  return r.rows.map((x) => x.sig);
}

function alterSetSchema(kind: string, schema: string, name: string, to: string): string {
  const what = kind === 'v' ? 'VIEW' : kind === 'm' ? 'MATERIALIZED VIEW' : kind === 'f' ? 'FOREIGN TABLE' : 'TABLE';
  return `ALTER ${what} ${qualify(schema, name)} SET SCHEMA ${quoteIdent(to)}`;
}

/** A foreign key of a table outside the migration, re-pointed by a swap from the table moved aside to the one of the same name now live. */
export interface RepointedForeignKey {
  /** `public.audit.audit_user_fk` */
  readonly constraint: string;
  /** `public.users (id)` */
  readonly references: string;
  /** Checked against the rows; false: created NOT VALID (orphans, or it was NOT VALID before). */
  readonly validated: boolean;
  /** Rows referencing no row of the new table (0 when validated). */
  readonly orphans: number;
  /** `ALTER TABLE … VALIDATE CONSTRAINT …` to run once the rows are fixed; null when validated. */
  readonly validateCommand: string | null;
}

export interface SwapResult {
  readonly moved: MovedObjects;
  readonly ms: number;
  /** Objects that are not ours but depend on tables we moved aside (they keep showing old data). */
  readonly dependents: readonly string[];
  /** Every dependent of the objects moved aside, foreign keys included (see rehearse-swap.ts). */
  readonly dependentObjects: readonly SwapDependent[];
  /** Foreign keys of other tables, re-pointed to the new tables inside the swap transaction. */
  readonly foreignKeys: readonly RepointedForeignKey[];
}

/**
 * Re-point foreign keys of tables outside the migration to the table of the same name in
 * `toSchema`, inside the caller's transaction: dropped and re-added with the same name, columns,
 * match type, actions and deferrability, then validated. Rows that reference nothing in the new
 * table leave it NOT VALID (still enforced for new rows) with the orphans counted, or, with
 * `orphans: 'fail'`, fail the swap. One that was NOT VALID before stays NOT VALID unless `validateAll`.
 */
export async function repointForeignKeys(client: pg.ClientBase, fks: readonly OutsideForeignKey[], toSchema: string, o: { orphans: 'not-valid' | 'fail'; validateAll?: boolean; log?: (sql: string) => void }): Promise<RepointedForeignKey[]> {
  const run = async (sql: string): Promise<void> => {
    o.log?.(sql);
    await client.query(sql);
  };
  const out: RepointedForeignKey[] = [];
  for (const fk of fks) {
    const table = qualify(fk.schema, fk.table);
    const validate = `ALTER TABLE ${table} VALIDATE CONSTRAINT ${quoteIdent(fk.name)}`;
    const references = `${toSchema}.${fk.refTable} (${fk.refColumns.join(', ')})`;
    await run(`ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(fk.name)}`);
    // Added NOT VALID, validated under a savepoint: failing rows then leave it NOT VALID, not the swap aborted.
    await run(`ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(fk.name)} ${foreignKeyDefinition(fk, toSchema, true)}`);
    let orphans = 0;
    if (fk.validated || o.validateAll) {
      await client.query('SAVEPOINT sqlite2pg_validate_fk');
      try {
        await run(validate);
        await client.query('RELEASE SAVEPOINT sqlite2pg_validate_fk');
        out.push({ constraint: foreignKeyLabel(fk), references, validated: true, orphans: 0, validateCommand: null });
        continue;
      } catch (e) {
        if ((e as { code?: string }).code !== '23503') throw e;
        await client.query('ROLLBACK TO SAVEPOINT sqlite2pg_validate_fk');
        orphans = await countOrphans(client, fk, toSchema);
      }
      if (o.orphans === 'fail') {
        throw new LoadError('E_FK_ORPHANS', `foreign key ${foreignKeyLabel(fk)}: ${orphans} row${orphans === 1 ? '' : 's'} of ${fk.schema}.${fk.table} reference${orphans === 1 ? 's' : ''} no row of the new ${references}, and --orphans fail forbids re-pointing it NOT VALID.`, {
          hint: `Fix those rows, or run with --orphans not-valid (the key is then created NOT VALID and reported).`,
        });
      }
    }
    out.push({ constraint: foreignKeyLabel(fk), references, validated: false, orphans, validateCommand: `${validate};` });
  }
  return out;
}

/**
 * Move the staging objects into `live`, moving same-named live objects into `previous` first.
 * Runs inside the caller's transaction (so the journal update commits with it).
 */
export async function swapIn(client: pg.ClientBase, o: { live: string; staging: string; previous: string; runId: string; orphans?: 'not-valid' | 'fail'; log?: (sql: string) => void }): Promise<SwapResult> {
  const start = Date.now();
  const run = async (sql: string): Promise<void> => {
    o.log?.(sql);
    await client.query(sql);
  };
  await run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(o.live)}`);
  const incoming = await relations(client, o.staging);
  const liveRels = new Map((await relations(client, o.live)).map((r) => [r.name, r]));
  const previous: { kind: 'table' | 'view' | 'function'; name: string }[] = [];
  const clashes = incoming.filter((r) => liveRels.has(r.name));
  // Trigger functions of a previous run (same signature) stay in the live schema unless moved aside too.
  const fns = await functions(client, o.staging);
  const liveFns = new Set(await functions(client, o.live));
  const fnClashes = fns.filter((sig) => liveFns.has(sig));
  let dependents: string[] = [];
  // Read inside the transaction, before anything moves: what follows the live objects by OID.
  const deps = await liveDependents(client, o.live, clashes.map((c) => c.name));
  if (clashes.length || fnClashes.length) {
    await run(`CREATE SCHEMA ${quoteIdent(o.previous)}`);
    const dep = await client.query<{ d: string }>(
      `SELECT DISTINCT dn.nspname || '.' || dc.relname || ' depends on ' || c.relname AS d
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_depend d ON d.refobjid = c.oid JOIN pg_rewrite rw ON rw.oid = d.objid JOIN pg_class dc ON dc.oid = rw.ev_class JOIN pg_namespace dn ON dn.oid = dc.relnamespace
       WHERE n.nspname = $1 AND c.relname = ANY($2) AND dc.oid <> c.oid AND NOT (dn.nspname = $1 AND dc.relname = ANY($2))`,
      [o.live, clashes.map((c) => c.name)],
    );
    dependents = dep.rows.map((r) => r.d);
    // Views first, so no view of ours is left pointing across schemas mid-way.
    for (const r of [...clashes].sort((a, b) => (a.kind === 'v' ? -1 : 0) - (b.kind === 'v' ? -1 : 0))) {
      const live = liveRels.get(r.name)!;
      await run(alterSetSchema(live.kind, o.live, r.name, o.previous));
      previous.push({ kind: live.kind === 'v' || live.kind === 'm' ? 'view' : 'table', name: r.name });
    }
    for (const sig of fnClashes) {
      await run(`ALTER FUNCTION ${quoteIdent(o.live)}.${sig.replace(/^([^(]+)/, (n) => quoteIdent(n))} SET SCHEMA ${quoteIdent(o.previous)}`);
      previous.push({ kind: 'function', name: sig });
    }
  }
  const tables = incoming.filter((r) => r.kind !== 'v').map((r) => r.name);
  const views = incoming.filter((r) => r.kind === 'v').map((r) => r.name);
  for (const name of tables) {
    await run(alterSetSchema('r', o.staging, name, o.live));
    // Live tables get the server's autovacuum settings back (staging had it off, see createTableSql).
    await run(`ALTER TABLE ${qualify(o.live, name)} RESET (autovacuum_enabled)`);
  }
  for (const name of views) await run(alterSetSchema('v', o.staging, name, o.live));
  // The application's foreign keys to the tables moved aside follow them by OID: point them at the new ones.
  const foreignKeys = await repointForeignKeys(client, deps.foreignKeys, o.live, { orphans: o.orphans ?? 'not-valid', ...(o.log ? { log: o.log } : {}) });
  for (const sig of fns) await run(`ALTER FUNCTION ${quoteIdent(o.staging)}.${sig.replace(/^([^(]+)/, (n) => quoteIdent(n))} SET SCHEMA ${quoteIdent(o.live)}`);
  // The staging schema is ours and now empty: RESTRICT proves it.
  await run(`DROP SCHEMA ${quoteIdent(o.staging)} RESTRICT`);
  const moved: MovedObjects = { tables, views, functions: fns, previous };
  // The run that was live until now is superseded; rollback of this run makes it live again.
  const live = await client.query<{ run_id: string }>(`UPDATE ${J}.runs SET status = 'superseded' WHERE target_schema = $1 AND status = 'cut-over' AND run_id <> $2 RETURNING run_id`, [o.live, o.runId]);
  await client.query(`UPDATE ${J}.runs SET status = 'cut-over', cutover_at = now(), previous_schema = $2, moved = $3, supersedes = $4 WHERE run_id = $1`, [o.runId, previous.length ? o.previous : null, JSON.stringify(moved), live.rows[0]?.run_id ?? null]);
  return { moved, ms: Date.now() - start, dependents, dependentObjects: deps.dependents, foreignKeys };
}

/**
 * Undo a cutover: the run's objects leave the live schema (into `aside`, kept, not dropped) and
 * the previous objects come back. Runs inside the caller's transaction.
 */
export interface SwapBackResult {
  /** Foreign keys of other tables re-pointed from the run's tables to the restored previous ones. */
  readonly foreignKeys: readonly RepointedForeignKey[];
  /** Foreign keys left referencing the run's tables in the aside schema (no previous table of that name): what to do. */
  readonly leftPointingAside: readonly string[];
}

export async function swapBack(client: pg.ClientBase, o: { live: string; previous: string | null; aside: string; moved: MovedObjects; runId: string; log?: (sql: string) => void }): Promise<SwapBackResult> {
  const run = async (sql: string): Promise<void> => {
    o.log?.(sql);
    await client.query(sql);
  };
  // Foreign keys of other tables to the run's tables (re-pointed by its cutover, or created since) would follow them aside.
  const deps = await liveDependents(client, o.live, [...o.moved.tables, ...o.moved.views]);
  await run(`CREATE SCHEMA ${quoteIdent(o.aside)}`);
  for (const v of o.moved.views) await run(alterSetSchema('v', o.live, v, o.aside));
  for (const t of o.moved.tables) await run(alterSetSchema('r', o.live, t, o.aside));
  for (const sig of o.moved.functions) await run(`ALTER FUNCTION ${quoteIdent(o.live)}.${sig.replace(/^([^(]+)/, (n) => quoteIdent(n))} SET SCHEMA ${quoteIdent(o.aside)}`);
  if (o.previous) {
    for (const p of o.moved.previous.filter((x) => x.kind === 'table')) await run(alterSetSchema('r', o.previous, p.name, o.live));
    // 'view' covers materialized views too, which need ALTER MATERIALIZED VIEW: read the kind back.
    const kinds = new Map((await relations(client, o.previous)).map((r) => [r.name, r.kind]));
    for (const p of o.moved.previous.filter((x) => x.kind === 'view')) await run(alterSetSchema(kinds.get(p.name) ?? 'v', o.previous, p.name, o.live));
    for (const p of o.moved.previous.filter((x) => x.kind === 'function')) await run(`ALTER FUNCTION ${quoteIdent(o.previous)}.${p.name.replace(/^([^(]+)/, (n) => quoteIdent(n))} SET SCHEMA ${quoteIdent(o.live)}`);
    await run(`DROP SCHEMA ${quoteIdent(o.previous)} RESTRICT`);
  }
  const restored = new Set((o.moved.previous ?? []).filter((x) => x.kind === 'table').map((x) => x.name));
  const back = deps.foreignKeys.filter((fk) => o.previous && restored.has(fk.refTable));
  // Never refused over orphans: rows written since the cutover may reference new rows only; NOT VALID and reported.
  // Validated whatever their state: the cutover may have re-pointed them NOT VALID over rows the previous table has.
  const foreignKeys = await repointForeignKeys(client, back, o.live, { orphans: 'not-valid', validateAll: true, ...(o.log ? { log: o.log } : {}) });
  const leftPointingAside = deps.foreignKeys
    .filter((fk) => !back.includes(fk))
    .map((fk) => `foreign key ${foreignKeyLabel(fk)} now references ${o.aside}.${fk.refTable}: no previous ${fk.refTable} was restored to point it at; drop it (ALTER TABLE ${qualify(fk.schema, fk.table)} DROP CONSTRAINT ${quoteIdent(fk.name)};) or re-point it by hand`);
  await client.query(`UPDATE ${J}.runs SET status = 'rolled-back', rolled_back_at = now() WHERE run_id = $1`, [o.runId]);
  await client.query(`UPDATE ${J}.runs SET status = 'cut-over' WHERE run_id = (SELECT supersedes FROM ${J}.runs WHERE run_id = $1) AND status = 'superseded'`, [o.runId]);
  return { foreignKeys, leftPointingAside };
}
