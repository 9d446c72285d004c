/**
 * More differing rows than --diff-limit: the key-ordered merge stops early, and the SQLite
 * iterator it stopped in must be closed, or closing the database fails with "This database
 * connection is busy executing a query" (issue #12, defect 7). Both `verify` and the verification
 * inside `migrate` must exit 6 with the first N differing rows listed.
 */
import { noMappings } from '../support/fixtures.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/model/run-result.js';
import { runCli } from '../support/cli.js';
import { sqliteFromSql, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const FIXTURE = `
CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT NOT NULL);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 50)
INSERT INTO items SELECT i, 'value ' || i FROM s;
`;

function readJson(reports: string, suffix: string): RunResult {
  const f = readdirSync(reports).find((x) => x.endsWith(suffix));
  if (!f) throw new Error(`no *${suffix} in ${reports}`);
  return JSON.parse(readFileSync(join(reports, f), 'utf8')) as RunResult;
}

describe('more differing rows than --diff-limit', () => {
  let work: string;
  let source: string;
  const dbs: TestDatabase[] = [];
  beforeAll(() => {
    work = tempDir('diff-limit');
    source = sqliteFromSql(work, 'items', FIXTURE);
  });
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  it('verify exits 6 and lists the first N differing rows', async () => {
    const db = await createTestDatabase('diff_limit_verify');
    dbs.push(db);
    const m = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'r1'), '--snapshot-dir', join(work, 'snap')]);
    expect(m.code, m.stderr + m.stdout).toBe(0);
    await db.query(`UPDATE public.items SET v = v || ' tampered' WHERE id <= 10`);
    const reports = join(work, 'r2');
    const v = await runCli(['verify', source, '--target', db.url, '--mappings', noMappings(work), '--reports', reports, '--diff-limit', '3']);
    expect(v.stderr).not.toMatch(/busy executing a query|internal error/i);
    expect(v.code, v.stderr + v.stdout).toBe(6);
    const json = readJson(reports, '-verify.json');
    expect(json.outcome).toBe('verify-mismatch');
    expect(json.tables[0]!.differingRows.map((r) => r.key)).toEqual(['id=1', 'id=2', 'id=3']);
  });

  it('migrate exits 6 with the first N differing rows when staging differs from what was sent', async () => {
    const db = await createTestDatabase('diff_limit_migrate');
    dbs.push(db);
    // The tamper: every table created in a staging schema gets a trigger that changes v as COPY inserts it.
    await db.query(`CREATE FUNCTION public.tamper_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.v := NEW.v || ' tampered'; RETURN NEW; END $$`);
    await db.query(`CREATE FUNCTION public.tamper_staging() RETURNS event_trigger LANGUAGE plpgsql AS $$
      DECLARE r record;
      BEGIN
        FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND schema_name LIKE 'sqlite2pg_staging_%' LOOP
          EXECUTE format('CREATE TRIGGER tamper BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION public.tamper_row()', r.object_identity);
        END LOOP;
      END $$`);
    await db.query(`CREATE EVENT TRIGGER tamper_staging ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION public.tamper_staging()`);
    const reports = join(work, 'r3');
    const m = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', reports, '--snapshot-dir', join(work, 'snap'), '--diff-limit', '4']);
    expect(m.stderr).not.toMatch(/busy executing a query|internal error/i);
    expect(m.code, m.stderr + m.stdout).toBe(6);
    const json = readJson(reports, '.json');
    expect(json.outcome).toBe('verify-mismatch');
    const rows = json.tables[0]!.differingRows;
    expect(rows.map((r) => r.key)).toEqual(['id=1', 'id=2', 'id=3', 'id=4']);
    expect(rows[0]!.columns).toEqual([{ column: 'v', source: 'value 1', target: 'value 1 tampered' }]);
    const live = await db.query(`SELECT 1 FROM pg_class WHERE relname = 'items' AND relnamespace = 'public'::regnamespace`);
    expect(live.rowCount).toBe(0);
  });
});
