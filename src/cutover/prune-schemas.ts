/**
 * What `sqlite2pg prune` needs of the target: which objects outside a kept schema still depend on
 * it (a live view over a previous table, a live foreign key to it, a default using its sequence),
 * and dropping a kept schema that nothing outside depends on. The live schema is never dropped
 * from: a schema with outside dependents is refused, so CASCADE only ever reaches inside it.
 */
import type pg from 'pg';
import { quoteIdent } from '../plan/identifiers.js';
import { JOURNAL_SCHEMA, type RunRow } from './journal.js';

/** Objects in other schemas that depend on objects in `schema`, as `schema.relation` names. */
export async function outsideDependents(client: pg.ClientBase, schema: string): Promise<string[]> {
  const r = await client.query<{ obj: string }>(
    `WITH inside AS (
       SELECT c.oid, 'pg_class'::regclass AS cls FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
       UNION ALL SELECT p.oid, 'pg_proc'::regclass FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
       UNION ALL SELECT t.oid, 'pg_type'::regclass FROM pg_type t WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
     ), deps AS (
       SELECT d.classid, d.objid FROM pg_depend d JOIN inside i ON d.refclassid = i.cls AND d.refobjid = i.oid WHERE d.deptype IN ('n', 'a')
     ), owners AS (
       SELECT w.ev_class AS rel FROM deps JOIN pg_rewrite w ON deps.classid = 'pg_rewrite'::regclass AND w.oid = deps.objid
       UNION SELECT co.conrelid FROM deps JOIN pg_constraint co ON deps.classid = 'pg_constraint'::regclass AND co.oid = deps.objid
       UNION SELECT ad.adrelid FROM deps JOIN pg_attrdef ad ON deps.classid = 'pg_attrdef'::regclass AND ad.oid = deps.objid
       UNION SELECT tg.tgrelid FROM deps JOIN pg_trigger tg ON deps.classid = 'pg_trigger'::regclass AND tg.oid = deps.objid
       UNION SELECT deps.objid FROM deps WHERE deps.classid = 'pg_class'::regclass
     )
     SELECT DISTINCT n.nspname || '.' || c.relname AS obj FROM owners o JOIN pg_class c ON c.oid = o.rel JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname <> $1 ORDER BY 1`,
    [schema],
  );
  return r.rows.map((x) => x.obj);
}

/** Drop a kept schema with everything in it, in one transaction that gives up rather than wait on a lock. */
export async function dropKeptSchema(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = '10s'`);
    await client.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Every run of the journal, newest first (status lists only the last 50). */
export async function allRuns(client: pg.ClientBase): Promise<RunRow[]> {
  return (await client.query<RunRow>(`SELECT * FROM ${quoteIdent(JOURNAL_SCHEMA)}.runs ORDER BY started_at DESC`)).rows;
}
