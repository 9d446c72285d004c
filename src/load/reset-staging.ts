/**
 * Resume support: bring a half-finished staging schema back to "bare tables". Tables that
 * finished loading keep their rows; every object built after the load (keys, indexes,
 * constraints, identities, triggers, views, functions) is dropped so post-load runs again from
 * a known state. Only objects inside the run's own staging schema are touched.
 */
import type pg from 'pg';
import { qualify, quoteIdent } from '../plan/identifiers.js';

export async function resetStaging(client: pg.ClientBase, staging: string, log?: (sql: string) => void): Promise<void> {
  const run = async (sql: string): Promise<void> => {
    log?.(sql);
    await client.query(sql);
  };
  const views = await client.query<{ name: string }>(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'v'`, [staging]);
  for (const v of views.rows) await run(`DROP VIEW IF EXISTS ${qualify(staging, v.name)} CASCADE`);
  const triggers = await client.query<{ tbl: string; name: string }>(
    `SELECT c.relname AS tbl, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal`,
    [staging],
  );
  for (const t of triggers.rows) await run(`DROP TRIGGER IF EXISTS ${quoteIdent(t.name)} ON ${qualify(staging, t.tbl)}`);
  const fns = await client.query<{ sig: string }>(`SELECT p.oid::regprocedure::text AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`, [staging]);
  for (const f of fns.rows) await run(`DROP FUNCTION IF EXISTS ${f.sig}`);
  // Foreign keys first (they depend on the referenced keys), then the other constraints.
  for (const types of [`('f')`, `('p', 'u', 'c', 'x')`]) {
    const cons = await client.query<{ tbl: string; name: string }>(
      `SELECT c.relname AS tbl, k.conname AS name FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND k.contype IN ${types}`,
      [staging],
    );
    for (const k of cons.rows) await run(`ALTER TABLE ${qualify(staging, k.tbl)} DROP CONSTRAINT IF EXISTS ${quoteIdent(k.name)}`);
  }
  const idx = await client.query<{ name: string }>(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'i'`, [staging]);
  for (const i of idx.rows) await run(`DROP INDEX IF EXISTS ${qualify(staging, i.name)}`);
  const ids = await client.query<{ tbl: string; col: string }>(
    `SELECT c.relname AS tbl, a.attname AS col FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND a.attidentity <> '' AND NOT a.attisdropped`,
    [staging],
  );
  for (const i of ids.rows) await run(`ALTER TABLE ${qualify(staging, i.tbl)} ALTER COLUMN ${quoteIdent(i.col)} DROP IDENTITY IF EXISTS`);
}
