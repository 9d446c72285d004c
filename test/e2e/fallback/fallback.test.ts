/**
 * Issue #14, done when: migrate, write to PostgreSQL through plain SQL as an application would,
 * fallback, and the written-back file holds exactly what PostgreSQL held (verify against the
 * moved-aside tables and against a fresh migration), in the application's original formats.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../support/cli.js';
import { fixtureDb, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const MAPPINGS = join(ROOT, 'test', 'fixtures', 'fallback-mappings');
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('fallback writes the application\'s PostgreSQL writes back into app.db', () => {
  let db: TestDatabase;
  let fresh: TestDatabase;
  let work: string;
  let app: string;
  const migrate = (target: TestDatabase, ...extra: string[]): string[] => ['migrate', app, '--target', target.url, '--mappings', MAPPINGS, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), ...extra];

  beforeAll(async () => {
    db = await createTestDatabase('fallback');
    fresh = await createTestDatabase('fallback_fresh');
    work = tempDir('fallback');
    app = fixtureDb(work, 'fallback');
  });
  afterAll(async () => {
    await db?.drop();
    await fresh?.drop();
  });

  it('round trip: inserts with new identities, updates of jsonb/timestamptz/boolean/bytea, deletes, a truncate', async () => {
    const m = await runCli(migrate(db));
    expect(m.code, m.stderr).toBe(0);
    // The application, on PostgreSQL.
    await db.query(`INSERT INTO public.users (email, prefs, created_ms, last_login, active, avatar, code) VALUES ('dee@example.com', '{"z": 1, "a": [true, null]}', '2026-12-04 10:00:00.123+00', '2026-12-04 10:00:00+00', true, '\\xdeadbeef', '008')`);
    await db.query(`UPDATE public.users SET prefs = jsonb_set(prefs, '{theme}', '"dark"'), active = false, avatar = '\\x00ff', last_login = '2026-12-04 11:30:00+00' WHERE id = 1`);
    await db.query(`UPDATE public.users SET created_ms = '2026-01-01 00:00:00.5+00' WHERE id = 2`);
    await db.query(`DELETE FROM public.orders WHERE id = 2`);
    await db.query(`INSERT INTO public.orders (user_id, total, placed) VALUES (1, 12.5, '2026-12-04'), (4, 99.99, '2026-12-05')`);
    await db.query(`UPDATE public.orders SET total = total + 1 WHERE id = 3`);
    await db.query(`TRUNCATE public.sessions`);
    await db.query(`INSERT INTO public.sessions VALUES ('tok-new', 4)`);
    await db.query(`INSERT INTO public.log VALUES ('fallback test', 3)`);
    await db.query(`DELETE FROM public.users WHERE id = 3`);

    const before = sha(app);
    const dry = await runCli(['fallback', app, '--target', db.url, '--dry-run', '--reports', join(work, 'reports'), '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(sha(app)).toBe(before);
    const plan = JSON.parse(dry.stdout);
    expect(plan.dryRun).toBe(true);
    expect(plan.tables.map((t: { table: string; mode: string }) => `${t.table}:${t.mode}`).sort()).toEqual(['log:rewrite', 'orders:keys', 'sessions:rewrite', 'users:keys']);

    const fb = await runCli(['fallback', app, '--target', db.url, '--reports', join(work, 'reports'), '--json']);
    expect(fb.code, fb.stderr).toBe(0);
    const r = JSON.parse(fb.stdout);
    const users = r.tables.find((t: { table: string }) => t.table === 'users');
    expect(users).toMatchObject({ mode: 'keys', inserted: 1, updated: 2, deleted: 1, proven: 4 });
    expect(r.tables.find((t: { table: string }) => t.table === 'orders')).toMatchObject({ inserted: 2, updated: 1, deleted: 1 });
    expect(r.aside).toMatch(/^sqlite2pg_rolledback_/);

    // Original formats: epoch ms stays INTEGER ms, datetime text keeps its form, 0/1, BLOB, '007' untouched.
    const s = new Database(app, { readonly: true });
    try {
      const rows = s.prepare(`SELECT id, typeof(created_ms) AS tc, created_ms, typeof(last_login) AS tl, last_login, typeof(active) AS ta, active, hex(avatar) AS avatar, typeof(code) AS tcode, code, prefs FROM users ORDER BY id`).all();
      expect(rows).toEqual([
        { id: 1, tc: 'integer', created_ms: 1700000000123, tl: 'text', last_login: '2026-12-04 11:30:00', ta: 'integer', active: 0, avatar: '00FF', tcode: 'text', code: '007', prefs: '{"langs": ["en", "fr"], "theme": "dark"}' },
        { id: 2, tc: 'integer', created_ms: 1767225600500, tl: 'text', last_login: '2024-02-29 23:59:59', ta: 'integer', active: 0, avatar: '', tcode: 'text', code: '0042', prefs: '[]' },
        { id: 4, tc: 'integer', created_ms: 1796378400123, tl: 'text', last_login: '2026-12-04 10:00:00', ta: 'integer', active: 1, avatar: 'DEADBEEF', tcode: 'text', code: '008', prefs: '{"a": [true, null], "z": 1}' },
      ]);
      expect(s.prepare(`SELECT id, total, typeof(total) AS tt, placed FROM orders ORDER BY id`).all()).toEqual([
        { id: 1, total: '10.50', tt: 'text', placed: '2024-01-02' },
        { id: 3, total: '8', tt: 'text', placed: '2024-01-04' },
        { id: 4, total: '12.5', tt: 'text', placed: '2026-12-04' },
        { id: 5, total: '99.99', tt: 'text', placed: '2026-12-05' },
      ]);
      expect(s.prepare(`SELECT * FROM sessions`).all()).toEqual([{ token: 'tok-new', user_id: 4 }]);
      expect(s.prepare(`SELECT count(*) AS n FROM log`).get()).toEqual({ n: 4 });
      // The application's next insert gets an id PostgreSQL never handed out.
      expect((s.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'users'`).get() as { seq: number }).seq).toBeGreaterThanOrEqual(4);
    } finally {
      s.close();
    }
    // Live schema: the migrated tables are gone from it.
    expect((await db.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0]!.n).toBe(0);

    // Proof from outside: verify the file against the tables PostgreSQL held, and a fresh migration of it.
    const v = await runCli(['verify', app, '--target', db.url, '--schema', r.aside, '--mappings', MAPPINGS, '--reports', join(work, 'reports')]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const again = await runCli(migrate(fresh));
    expect(again.code, again.stderr).toBe(0);
    const v2 = await runCli(['verify', app, '--target', fresh.url, '--mappings', MAPPINGS, '--reports', join(work, 'reports')]);
    expect(v2.code, v2.stdout + v2.stderr).toBe(0);
    for (const t of ['users', 'orders', 'sessions', 'log']) {
      const q = (schema: string): string => `SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS f FROM ${schema}.${t} x`;
      const a = (await db.query<{ f: string }>(q(`"${r.aside}"`))).rows[0]!.f;
      const b = (await fresh.query<{ f: string }>(q('public'))).rows[0]!.f;
      expect(b, t).toBe(a);
    }

    // A second fallback of the same run is refused.
    const second = await runCli(['fallback', app, '--target', db.url, '--json']);
    expect(second.code).toBe(7);
    expect(JSON.parse(second.stdout).error.code).toBe('E_ALREADY_FALLEN_BACK');
  });
});
