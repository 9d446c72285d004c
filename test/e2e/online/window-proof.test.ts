/**
 * The proof in the cutover window is O(changes) and exact: staging counters (statement-level
 * triggers with transition tables) account for every row PostgreSQL holds, so a row changed in
 * staging outside replay (a direct statement, an ON DELETE CASCADE the source did not apply)
 * makes the cutover refuse with exit 6 and app.db unchanged and writable; the window reads no
 * staging table in full, and the counting triggers never reach the live schema. The cutover's
 * report carries the online facts (RunResult.online).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { noMappings, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { onlineDb, sqliteObjects, writeFromOtherProcess } from './support.js';

const work = tempDir('online-window');

describe('the cutover window proves staging in O(changes)', () => {
  let db: TestDatabase;
  const common = (extra: string[] = []): string[] => ['--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports'), ...extra];
  const sync = (path: string, ...extra: string[]): ReturnType<typeof runCli> => runCli(['sync', path, ...common(['--snapshot-dir', join(work, 'snap'), ...extra])]);
  const cutover = (path: string, ...extra: string[]): ReturnType<typeof runCli> => runCli(['cutover', path, ...common(extra)]);
  const stagingOf = async (schema: string): Promise<string> =>
    (await db.query<{ s: string }>(`SELECT staging_schema AS s FROM sqlite2pg.runs WHERE target_schema = $1 AND mode = 'online' ORDER BY started_at DESC LIMIT 1`, [schema])).rows[0]!.s;
  const countingTriggers = async (schema: string): Promise<{ tbl: string; name: string; enabled: string }[]> =>
    (
      await db.query<{ tbl: string; name: string; enabled: string }>(
        `SELECT c.relname AS tbl, t.tgname AS name, t.tgenabled::text AS enabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND t.tgname LIKE 'sqlite2pg_rows_%' ORDER BY 1, 2`,
        [schema],
      )
    ).rows;
  const seqScans = async (schema: string, table: string): Promise<{ seq: number; tup: number }> => {
    const r = await db.query<{ seq: string; tup: string }>(`SELECT seq_scan::text AS seq, seq_tup_read::text AS tup FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2`, [schema, table]);
    return { seq: Number(r.rows[0]!.seq), tup: Number(r.rows[0]!.tup) };
  };

  beforeAll(async () => {
    db = await createTestDatabase('online_window');
  });
  afterAll(async () => db?.drop());

  /** Refused with exit 6 before the swap: app.db keeps its capture, has no fence, and takes writes. */
  async function expectRefused(path: string, schema: string, args: string[] = []): Promise<string> {
    const before = sqliteObjects(path);
    const c = await cutover(path, '--schema', schema, ...args);
    expect(c.code, c.stdout + c.stderr).toBe(6);
    expect(c.stdout + c.stderr).toMatch(/proof before the swap failed/);
    expect(sqliteObjects(path)).toEqual(before);
    expect(before.some((o) => o.includes('fence'))).toBe(false);
    expect(writeFromOtherProcess(path, `UPDATE items SET note = 'still on sqlite' WHERE id = 12`).status).toBe(0);
    // Nothing reached the live schema, and the staging counters are still in place (the swap's transaction rolled back).
    expect((await db.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1`, [schema])).rowCount).toBe(0);
    expect((await countingTriggers(await stagingOf(schema))).length).toBe(16);
    return c.stdout + c.stderr;
  }

  it.each([
    ['a row deleted', (s: string) => `DELETE FROM "${s}".bulk WHERE id = 7`],
    ['a row inserted', (s: string) => `INSERT INTO "${s}".bulk (id, v) VALUES (900001, 'not in sqlite')`],
    // A count(*) cannot see this one; the counters carry the checksum sum too.
    ['a row updated', (s: string) => `UPDATE "${s}".bulk SET v = 'changed in staging' WHERE id = 8`],
  ])('refuses the cutover when %s in staging outside replay (exit 6, app.db unchanged and writable)', async (what, sql) => {
    const schema = `outside_${what.split(' ')[2]}`;
    const path = onlineDb(work, schema);
    expect((await sync(path, '--once', '--schema', schema)).code).toBe(0);
    writeFromOtherProcess(path, `UPDATE items SET n = n + 1 WHERE id <= 5`);
    await db.query(sql(await stagingOf(schema)));
    const out = await expectRefused(path, schema);
    expect(out).toMatch(/bulk: the staging table holds \d+ rows/);
  });

  it('refuses a cutover after an ON DELETE CASCADE in staging that the source did not apply', async () => {
    const schema = 'cascade';
    const path = onlineDb(work, schema);
    expect((await sync(path, '--once', '--schema', schema)).code).toBe(0);
    // Item 3 has a tag. Its row now fails its cast, so replay quarantines it: absent in PostgreSQL,
    // whose ON DELETE CASCADE then removes the tag, which SQLite keeps.
    writeFromOtherProcess(path, `UPDATE items SET n = 'not a number' WHERE id = 3`);
    expect((await sync(path, '--once', '--schema', schema)).code).toBe(0);
    const out = await expectRefused(path, schema, ['--allow-quarantine']);
    expect(out).toMatch(/tags: the staging table holds/);
  });

  it('reads a table in full, and says so, when its counter cannot be trusted (triggers dropped, or a run of an older version)', async () => {
    const schema = 'untrusted';
    const path = onlineDb(work, schema);
    expect((await sync(path, '--once', '--schema', schema)).code).toBe(0);
    const staging = await stagingOf(schema);
    for (const t of ['sqlite2pg_rows_insert', 'sqlite2pg_rows_update', 'sqlite2pg_rows_delete', 'sqlite2pg_rows_truncate']) await db.query(`DROP TRIGGER ${t} ON "${staging}".bulk`);
    await db.query(`UPDATE sqlite2pg.sync_tables SET staging_count = NULL, staging_sum = NULL WHERE source_table = 'codes' AND run_id = (SELECT run_id FROM sqlite2pg.runs WHERE target_schema = $1)`, [schema]);
    writeFromOtherProcess(path, `DELETE FROM bulk WHERE id <= 10; UPDATE codes SET qty = 5 WHERE code = 'A'`);
    const c = await cutover(path, '--schema', schema, '--json');
    expect(c.code, c.stderr).toBe(0);
    const j = JSON.parse(c.stdout) as { online: { fullReads: string[] }; warnings: string[] };
    expect([...j.online.fullReads].sort()).toEqual(['bulk (its counting triggers were dropped or disabled)', 'codes (the run started before staging counters existed)']);
    expect(j.warnings.join('\n')).toMatch(/the window read 2 tables in full/);
    expect(await countingTriggers(schema)).toEqual([]);
    expect((await runCli(['verify', path, ...common(['--schema', schema])])).code).toBe(0);
  });

  it('reads no staging table in full in the window, drops the counting triggers before the swap, and reports the online facts', async () => {
    const schema = 'window';
    const path = onlineDb(work, schema);
    expect((await sync(path, '--once', '--schema', schema)).code).toBe(0);
    const staging = await stagingOf(schema);
    const triggers = await countingTriggers(staging);
    expect(triggers.length).toBe(16);
    expect(triggers.every((t) => t.enabled === 'A')).toBe(true);
    writeFromOtherProcess(path, `UPDATE items SET n = n + 1 WHERE id <= 20; DELETE FROM items WHERE id = 30; INSERT INTO tags VALUES (50, 'new')`);
    expect((await sync(path, '--once', '--schema', schema)).code).toBe(0);
    writeFromOtherProcess(path, `UPDATE items SET note = 'before the cutover' WHERE id = 40`);
    // bulk has 3,000 rows and no change: nothing in the cutover may scan it.
    const before = await seqScans(staging, 'bulk');
    const c = await cutover(path, '--schema', schema, '--json');
    expect(c.code, c.stderr).toBe(0);
    const after = await seqScans(schema, 'bulk');
    expect(after).toEqual(before);
    // The triggers moved nowhere: gone from the live tables, and the staging schema is gone.
    expect(await countingTriggers(schema)).toEqual([]);
    expect((await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [staging])).rowCount).toBe(0);
    // The online facts, typed in the report (JSON and Markdown), not in its warnings.
    const j = JSON.parse(c.stdout) as { version: number; reportJson: string; report: string; warnings: string[]; online: Record<string, unknown> & { tables: { table: string; keys: number }[]; window: Record<string, number> } };
    expect(j.version).toBe(3);
    const o = j.online;
    expect(o['downtimeMs']).toEqual(expect.any(Number));
    expect(o['snapshotSeq']).toEqual(expect.any(Number));
    expect(o['captureInstalledAt']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(o['changesApplied']).toBeGreaterThanOrEqual(24);
    expect(o['changesInWindow']).toEqual(expect.any(Number));
    expect(o['fullReads']).toEqual([]);
    expect(Object.keys(o.window)).toEqual(['captureCheckMs', 'lastChangesMs', 'proofMs', 'swapMs', 'fenceMs']);
    expect(o.tables.find((t) => t.table === 'items')!.keys).toBe(22);
    expect(o.tables.find((t) => t.table === 'tags')!.keys).toBe(2);
    expect(j.warnings.join('\n')).not.toMatch(/capture installed at|snapshot position|changed keys applied/);
    const md = readFileSync(j.report, 'utf8');
    expect(md).toMatch(/## Online/);
    // The tables as they are now (snapshot plus changes), so a clean cutover claims no difference.
    expect(md).toMatch(/\*\*Proof:\*\* row counts and checksums match/);
    expect(md).not.toMatch(/❌/);
    expect(md).toMatch(/online, downtime \d+ ms/);
    expect(JSON.parse(readFileSync(j.reportJson, 'utf8')).online.downtimeMs).toBe(o['downtimeMs']);
  });
});
