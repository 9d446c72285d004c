/**
 * One run per target schema at a time: a session-level advisory lock held by a dedicated
 * connection for the whole run. https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
 */
import type pg from 'pg';
import { LoadError } from '../errors.js';
import { JOURNAL_SCHEMA, journalExists } from './journal.js';
import { quoteIdent } from '../plan/identifiers.js';
import { lockKeySql } from './lock-key.js';

export async function acquireTargetLock(client: pg.ClientBase, schema: string): Promise<void> {
  const r = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${lockKeySql()}) AS ok`, [schema]);
  if (r.rows[0]!.ok) return;
  let running = '';
  if (await journalExists(client)) {
    const q = await client.query<{ run_id: string; started_at: Date; source_path: string }>(
      `SELECT run_id, started_at, source_path FROM ${quoteIdent(JOURNAL_SCHEMA)}.runs WHERE target_schema = $1 AND status = 'running' ORDER BY started_at DESC LIMIT 1`,
      [schema],
    );
    const row = q.rows[0];
    if (row) running = ` Run ${row.run_id} (from ${row.source_path}, started ${row.started_at.toISOString()}) holds it.`;
  }
  const holder = await client.query<{ pid: number; application_name: string; client_addr: string | null }>(
    `SELECT a.pid, a.application_name, a.client_addr::text FROM pg_locks l JOIN pg_stat_activity a USING (pid)
     WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = (${lockKeySql()} & x'ffffffffffffffff'::bigint) LIMIT 1`,
    [schema],
  ).catch(() => ({ rows: [] as { pid: number; application_name: string; client_addr: string | null }[] }));
  const h = holder.rows[0];
  throw new LoadError('E_TARGET_LOCKED', `Another sqlite2pg run is working on schema ${schema} of this database.${running}${h ? ` (backend pid ${h.pid}${h.client_addr ? ` from ${h.client_addr}` : ''})` : ''}`, {
    hint: 'Wait for it to finish (sqlite2pg status shows runs). If it died, its lock is released with its connection.',
  });
}

export async function releaseTargetLock(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query(`SELECT pg_advisory_unlock(${lockKeySql()})`, [schema]);
}
