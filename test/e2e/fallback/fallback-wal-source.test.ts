/**
 * `fallback` tells "the file run X migrated, unchanged since" for a WAL source too. The cutover
 * fingerprints the file the run read: for a WAL source that is the VACUUM INTO snapshot, whose
 * bytes never equal the source's (freed pages left out, pages laid out anew), so the file hash
 * alone refused every unchanged WAL source (exit 4, E_SOURCE_CHANGED). Now the per-table
 * count:checksum the run recorded decides when the hash differs. Per journal mode: unchanged
 * source (freed pages; in WAL mode commits not checkpointed at the migrate) + writes in
 * PostgreSQL → fallback succeeds, and the written-back file verifies against the tables
 * PostgreSQL held; a row changed in SQLite after the migrate → refused, naming the table.
 *
 * Cost: per journal mode two migrates, two fallbacks and one verify (~1 s each).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { SOURCE_WITH_FREED_PAGES, noMappings, sqliteFromSql, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const SQL = SOURCE_WITH_FREED_PAGES;

for (const mode of ['wal', 'delete'] as const) {
  describe(`fallback after an offline migrate, ${mode === 'wal' ? 'WAL' : 'rollback-journal'} source`, () => {
    const dbs: TestDatabase[] = [];
    let work: string;
    let n = 0;

    /** A fresh source and database, migrated while the application holds a connection (its WAL commits not checkpointed); the application then stops. */
    async function setup(beforeStop?: (app: Database.Database) => void): Promise<{ db: TestDatabase; source: string }> {
      const db = await createTestDatabase(`e2e_fb_src_${mode}_${n}`);
      dbs.push(db);
      const source = sqliteFromSql(work, `app${n++}`, `PRAGMA journal_mode = ${mode};\n${SQL}`);
      const app = new Database(source);
      app.prepare('INSERT INTO other (v) VALUES (4)').run();
      const m = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap')]);
      expect(m.code, m.stderr + m.stdout).toBe(0);
      beforeStop?.(app);
      app.close();
      // The application, on PostgreSQL.
      await db.query(`INSERT INTO public.items (id, note) VALUES (201, 'written in PostgreSQL')`);
      await db.query(`UPDATE public.items SET note = 'updated in PostgreSQL' WHERE id = 5`);
      await db.query(`DELETE FROM public.other WHERE id = 2`);
      return { db, source };
    }
    const fallback = (db: TestDatabase, source: string) => runCli(['fallback', source, '--target', db.url, '--reports', join(work, 'reports'), '--json']);

    beforeAll(() => {
      work = tempDir(`e2e-fb-src-${mode}`);
    });
    afterAll(async () => {
      for (const db of dbs) await db.drop();
    });

    it('unchanged source: fallback writes PostgreSQL\'s changes back, and the file verifies against the tables PostgreSQL held', async () => {
      const { db, source } = await setup();
      const h = new Database(source, { readonly: true });
      expect(h.pragma('journal_mode', { simple: true })).toBe(mode);
      h.close();
      const r = await fallback(db, source);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const out = JSON.parse(r.stdout) as { identity: string; aside: string; tables: { table: string; inserted: number; updated: number; deleted: number }[] };
      // A WAL source's snapshot never has its bytes: the rows decided. A rollback-journal source's snapshot is a byte copy.
      expect(out.identity).toBe(mode === 'wal' ? 'row checksums' : 'content hash');
      expect(out.tables.find((t) => t.table === 'items')).toMatchObject({ inserted: 1, updated: 1, deleted: 0 });
      expect(out.tables.find((t) => t.table === 'other')).toMatchObject({ inserted: 0, updated: 0, deleted: 1 });
      const s = new Database(source, { readonly: true });
      try {
        expect(s.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(s.prepare(`SELECT id, note FROM items WHERE id IN (5, 201) ORDER BY id`).all()).toEqual([
          { id: 5, note: 'updated in PostgreSQL' },
          { id: 201, note: 'written in PostgreSQL' },
        ]);
        expect(s.prepare(`SELECT v FROM other ORDER BY id`).pluck().all()).toEqual([1, 3, 4]);
      } finally {
        s.close();
      }
      const v = await runCli(['verify', source, '--target', db.url, '--schema', out.aside, '--mappings', noMappings(work), '--reports', join(work, 'reports')]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    });

    it('a row changed in SQLite after the migrate: refused (exit 4, nothing written), naming the table, recorded and now', async () => {
      const { db, source } = await setup((app) => app.prepare(`UPDATE items SET note = 'changed later' WHERE id = 7`).run());
      const r = await fallback(db, source);
      expect(r.code, r.stderr + r.stdout).toBe(4);
      const err = JSON.parse(r.stdout).error as { code: string; message: string; problems: string[]; hint: string };
      expect(err.code).toBe('E_SOURCE_CHANGED');
      expect(err.message).toMatch(/is not the file run \S+ migrated, unchanged since: the rows of 1 table differ from the ones the run read \(count:checksum\)/);
      expect(err.problems).toEqual([expect.stringMatching(/^items \(200:\d+ recorded, 200:\d+ now\)$/)]);
      expect(err.hint).toMatch(/two histories/);
      const s = new Database(source, { readonly: true });
      expect(s.prepare(`SELECT note FROM items WHERE id IN (5, 7) ORDER BY id`).pluck().all()).toEqual(['note 5', 'changed later']);
      s.close();
      expect((await db.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0]!.n).toBe(2);
    });
  });
}
