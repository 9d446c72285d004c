/**
 * `sqlite2pg verify` says whether the source still holds what the cut-over run migrated, by the
 * per-table checksums the run recorded (not by file bytes: a WAL source's snapshot is written by
 * VACUUM INTO and never has the source's bytes). For a WAL source and a rollback-journal source:
 * unchanged (with freed pages, and in WAL mode commits not checkpointed, as a live application
 * leaves them) → no warning; one row changed in SQLite after the migrate → the mismatch is found and
 * a warning names the file, the table, the recorded and the current checksum, and what it means.
 *
 * Cost: per journal mode one migrate and two verify runs (~1 s each).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/model/run-result.js';
import { runCli, type CliResult } from '../support/cli.js';
import { SOURCE_WITH_FREED_PAGES, noMappings, sqliteFromSql, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const SQL = SOURCE_WITH_FREED_PAGES;

for (const mode of ['wal', 'delete'] as const) {
  describe(`verify after migrate, ${mode === 'wal' ? 'WAL' : 'rollback-journal'} source`, () => {
    let db: TestDatabase;
    let work: string;
    let source: string;
    let migrate: CliResult;
    let n = 0;
    /** The application's connection, open throughout: in WAL mode its commits stay in the -wal file (no checkpoint on close). */
    let app: Database.Database;

    async function verify(): Promise<{ run: CliResult; json: RunResult; markdown: string }> {
      const reports = join(work, `reports-${++n}`);
      const run = await runCli(['verify', source, '--target', db.url, '--mappings', noMappings(work), '--reports', reports]);
      const file = (existsSync(reports) ? readdirSync(reports) : []).find((f) => f.endsWith('-verify.json'));
      if (!file) throw new Error(`verify wrote no report (exit ${run.code}):\n${run.stderr}`);
      return { run, json: JSON.parse(readFileSync(join(reports, file), 'utf8')) as RunResult, markdown: readFileSync(join(reports, file.replace(/\.json$/, '.md')), 'utf8') };
    }

    beforeAll(async () => {
      db = await createTestDatabase(`e2e_verify_source_${mode}`);
      work = tempDir(`e2e-verify-source-${mode}`);
      source = sqliteFromSql(work, 'app', `PRAGMA journal_mode = ${mode};\n${SQL}`);
      app = new Database(source);
      app.prepare('INSERT INTO other (v) VALUES (4)').run();
      migrate = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports-migrate'), '--snapshot-dir', join(work, 'snap')]);
    });
    afterAll(async () => {
      app?.close();
      await db?.drop();
    });

    it('migrates', () => {
      expect(migrate.code, migrate.stderr + migrate.stdout).toBe(0);
      const h = new Database(source, { readonly: true });
      expect(h.pragma('journal_mode', { simple: true })).toBe(mode);
      h.close();
    });

    it('unchanged source: verify passes with no warning', async () => {
      const v = await verify();
      expect(v.run.code, v.run.stderr + v.run.stdout).toBe(0);
      expect(v.json.outcome).toBe('passed');
      // (The one warning left is that the fixture has no mapping files.)
      expect(v.json.warnings.filter((w) => !/have no mapping file/.test(w))).toEqual([]);
    });

    it('a row changed in SQLite after the migrate: the mismatch is found, and the warning says the source changed, where, and what it means', async () => {
      app.prepare(`UPDATE items SET note = 'changed later' WHERE id = 7`).run();
      const v = await verify();
      expect(v.run.code, v.run.stderr + v.run.stdout).toBe(6);
      expect(v.json.outcome).toBe('verify-mismatch');
      const items = v.json.tables.find((t) => t.target === 'items')!;
      expect(items.checksum?.match).toBe(false);
      expect(items.differingRows).toEqual([{ key: 'id=7', kind: 'changed', columns: [{ column: 'note', source: 'changed later', target: 'note 7' }] }]);
      expect(v.json.tables.find((t) => t.target === 'other')!.checksum?.match).toBe(true);
      const changed = v.json.warnings.filter((x) => /changed since run/.test(x));
      expect(changed).toHaveLength(1);
      expect(changed[0]).toContain(`the source ${source} changed since run `);
      expect(changed[0]).toMatch(/the rows of 1 table differ from the ones the run read \(count:checksum\): items \(200:\d+ recorded, 200:\d+ now\)\. /);
      expect(changed[0]).toContain('Differences verify finds in items may be writes made to SQLite after the migration, not rows the migration lost');
      // The warning is in the report the operator reads.
      expect(v.markdown).toContain(`the source ${source} changed since run `);
    });

    it('a row written to SQLite after the migrate that the mappings cannot convert is a difference, not skipped', async () => {
      app.prepare(`UPDATE items SET note = 'note 7' WHERE id = 7`).run();
      app.prepare(`INSERT INTO items (id, note) VALUES (500, 'nul' || char(0) || 'byte')`).run();
      const v = await verify();
      expect(v.run.code, v.run.stderr + v.run.stdout).toBe(6);
      const items = v.json.tables.find((t) => t.target === 'items')!;
      expect(items.checksum?.match).toBe(false);
      expect(items.differingRows).toEqual([{ key: 'id=500', kind: 'missing-in-target', columns: [] }]);
      expect(v.json.warnings).toContainEqual(expect.stringMatching(/^items: 1 source row cannot be converted under the mapping files and was not quarantined by the migration, so it is not in the target \(first: id=500, column note: .*NUL/));
      expect(v.json.warnings).toContainEqual(expect.stringMatching(/items \(200:\d+ recorded, 200:\d+ and 1 row that does not convert now\)/));
    });
  });
}

describe('verify after a migrate that quarantined rows', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  beforeAll(async () => {
    db = await createTestDatabase('e2e_verify_source_quarantined');
    work = tempDir('e2e-verify-source-quarantined');
    source = sqliteFromSql(work, 'app', `CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO items VALUES (1, 'ok'), (2, 'nul' || char(0)), (3, 'fine');`);
  });
  afterAll(async () => db?.drop());

  it('the rows the run quarantined are excluded: verify passes, no row is said not to convert', async () => {
    const m = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'r1'), '--snapshot-dir', join(work, 'snap'), '--allow-quarantine']);
    expect(m.code, m.stderr + m.stdout).toBe(0);
    const reports = join(work, 'r2');
    const v = await runCli(['verify', source, '--target', db.url, '--mappings', noMappings(work), '--reports', reports]);
    expect(v.code, v.stderr + v.stdout).toBe(0);
    const json = JSON.parse(readFileSync(join(reports, readdirSync(reports).find((f) => f.endsWith('-verify.json'))!), 'utf8')) as RunResult;
    expect(json.tables[0]).toMatchObject({ rowsRead: 3, rowsLoaded: 2, rowsQuarantined: 1, differingRows: [] });
    expect(json.warnings.filter((w) => !/has no mapping file|have no mapping file/.test(w))).toEqual([]);
  });
});
