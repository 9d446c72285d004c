/**
 * Online migration end to end: real CLI, real embedded PostgreSQL, and the application as a
 * separate OS process writing to app.db throughout. sync → rounds → cutover; PostgreSQL equals
 * SQLite; writes to app.db fail loudly afterwards; schema change → exit 11; --abort; kill and rerun.
 */
import { noMappings } from '../../support/fixtures.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { onlineDb, sleep, sqliteObjects, sqliteRows, steadyWriter, writeFromOtherProcess } from './support.js';

const work = tempDir('online');

describe('sqlite2pg sync + cutover', () => {
  let db: TestDatabase;
  const common = (extra: string[] = []): string[] => ['--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports'), ...extra];
  const sync = (path: string, ...extra: string[]): ReturnType<typeof runCli> => runCli(['sync', path, ...common(['--snapshot-dir', join(work, 'snap'), ...extra])]);
  const cutover = (path: string, ...extra: string[]): ReturnType<typeof runCli> => runCli(['cutover', path, ...common(extra)]);

  beforeAll(async () => {
    db = await createTestDatabase('online');
  });
  afterAll(async () => db?.drop());

  it('follows a live writer, cuts over in a short window, proves PG = SQLite, and fences app.db', async () => {
    const path = onlineDb(work, 'live');
    const writer = steadyWriter(path, 200);
    try {
      await sleep(300);
      const first = await sync(path, '--once');
      expect(first.stderr).toMatch(/install change capture/);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/snapshot loaded and verified/);
      // The snapshot load has its report, as migrate's.
      expect(readdirSync(join(work, 'reports')).some((n) => n.endsWith('-live-cutover-sync.md') || /live.*-sync\.md$/.test(n))).toBe(true);
      // Every capture pitfall, from another process, while the steady writer keeps going.
      const pitfalls = writeFromOtherProcess(
        path,
        `INSERT OR IGNORE INTO items (id, email) VALUES (1, 'dup');
         INSERT OR REPLACE INTO items (id, email, n) VALUES (90001, 'e150@x', 1);
         INSERT INTO codes VALUES ('D', 'alpha', 9);
         UPDATE OR REPLACE items SET email = 'e160@x' WHERE id = 161;
         UPDATE items SET id = 70000 WHERE id = 200;
         UPDATE tags SET tag = 'z' WHERE item_id = 2 AND tag = 't2';
         DELETE FROM items WHERE id = 4;
         DELETE FROM items WHERE id = (SELECT max(id) FROM items); INSERT INTO items (email, n) VALUES ('reused@x', -5);
         DELETE FROM bulk;`,
      );
      expect(pitfalls.stderr).toBe('');
      const second = await sync(path, '--once');
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/round: \d+ keys/);
      const syncing = await runCli(['status', '--target', db.url]);
      expect(syncing.stdout).toMatch(/online +syncing/);
      expect(syncing.stdout).toMatch(/sync: \d+ changes applied in \d+ rounds since the snapshot/);
      await sleep(500);
      const c = await cutover(path, '--json');
      expect(c.code, c.stderr).toBe(0);
      const j = JSON.parse(c.stdout) as { downtimeMs: number; cutover: { performed: boolean; rollbackCommand: string } };
      expect(j.cutover.performed).toBe(true);
      // The undo names the command and target typed, as migrate's does (not `--target <same target>`).
      expect(j.cutover.rollbackCommand).toMatch(/^sqlite2pg rollback --run \S+ --schema public --target 'postgres:\/\/[^']*'$/);
      expect(j.downtimeMs).toBeGreaterThanOrEqual(0);
      expect(c.stdout + c.stderr).toMatch(/Downtime|downtime/);
    } finally {
      writer.child.kill('SIGTERM');
    }
    const out = await writer.done;
    // The writer kept running into the cutover: its writes after the fence failed loudly.
    expect(out).toMatch(/migrated to PostgreSQL by sqlite2pg run/);
    const w = writeFromOtherProcess(path, `INSERT INTO items (email) VALUES ('late@x')`);
    expect(w.status).not.toBe(0);
    expect(w.stderr).toMatch(/migrated to PostgreSQL by sqlite2pg run/);
    // PG equals the frozen SQLite file, by a full verify.
    const v = await runCli(['verify', path, ...common()]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const n = sqliteRows(path, 'SELECT count(*) AS n FROM items') as { n: number }[];
    const pg = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM public.items');
    expect(Number(pg.rows[0]!.n)).toBe(n[0]!.n);
    expect((await db.query('SELECT count(*)::int AS n FROM public.bulk')).rows[0]!.n).toBe(0);
    // The application's first INSERT in PostgreSQL gets an id past every row the writer added during the sync.
    await db.query(`INSERT INTO public.items (email) VALUES ('first in pg@x')`);
    expect((await db.query(`SELECT code FROM public.codes ORDER BY code`)).rows.map((r) => r.code)).toEqual(['B', 'C', 'D']);
    // Only the fences are left in app.db.
    expect(sqliteObjects(path).every((o) => o.startsWith('trigger _sqlite2pg_fence_'))).toBe(true);
    const status = await runCli(['status', '--target', db.url]);
    expect(status.stdout).toMatch(/cut-over/);
    expect(status.stdout).toMatch(/cutover downtime \d+ ms/);
  });

  it('stops with exit 11 on a schema change, refuses the cutover with app.db writable, and --abort removes everything', async () => {
    const path = onlineDb(work, 'schema');
    const schema = ['--schema', 'schema_change'];
    expect((await sync(path, '--once', ...schema)).code).toBe(0);
    // A second sync finds its own capture and continues.
    const again = await sync(path, '--once', ...schema);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/snapshot loaded/);
    writeFromOtherProcess(path, `ALTER TABLE items ADD COLUMN extra TEXT`);
    const s = await sync(path, '--once', ...schema);
    expect(s.code, s.stderr).toBe(11);
    expect(s.stderr).toMatch(/table items was altered/);
    const c = await cutover(path, ...schema);
    expect(c.code, c.stderr).toBe(11);
    expect(writeFromOtherProcess(path, `INSERT INTO items (email) VALUES ('still writable@x')`).status).toBe(0);
    const a = await sync(path, '--abort', ...schema);
    expect(a.code, a.stderr).toBe(0);
    expect(sqliteObjects(path)).toEqual([]);
    const staging = await db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sqlite2pg_staging_%' AND nspname IN (SELECT staging_schema FROM sqlite2pg.runs WHERE target_schema = 'schema_change')`);
    expect(staging.rowCount).toBe(0);
  });

  it('recognises a leftover capture of another run', async () => {
    const path = onlineDb(work, 'leftover');
    expect((await sync(path, '--once', '--schema', 'first')).code).toBe(0);
    const other = await sync(path, '--once', '--schema', 'second');
    expect(other.code).toBe(11);
    expect(other.stderr).toMatch(/already holds the change capture of run/);
    expect((await sync(path, '--abort', '--schema', 'first')).code).toBe(0);
  });

  it('refuses a rollback-journal source', async () => {
    const path = onlineDb(work, 'nowal');
    writeFromOtherProcess(path, `PRAGMA journal_mode = DELETE`);
    const r = await sync(path, '--once', '--schema', 'nowal');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PRAGMA journal_mode=WAL/);
    expect(sqliteObjects(path)).toEqual([]);
  });

  it('gives up the swap after its lock timeouts with the application still on SQLite, then succeeds once the target is free', async () => {
    const path = onlineDb(work, 'locked');
    const schema = ['--schema', 'locked'];
    await db.query(`CREATE SCHEMA locked; CREATE TABLE locked.items (id bigint PRIMARY KEY)`);
    expect((await sync(path, '--once', ...schema)).code).toBe(0);
    const { default: pg } = await import('pg');
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query(`BEGIN; SELECT * FROM locked.items`);
    try {
      const c = await cutover(path, ...schema, '--lock-timeout', '300', '--swap-attempts', '2');
      expect(c.code, c.stderr).toBe(5);
      expect(c.stdout + c.stderr).toMatch(/could not lock the live tables within 300 ms, 2 times/);
      expect(c.stderr).toMatch(/retrying/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // Nothing happened to app.db: writable, capture intact, and the write is replayed by the next cutover.
    expect(writeFromOtherProcess(path, `UPDATE items SET note = 'after the failed cutover' WHERE id = 1`).status).toBe(0);
    expect(sqliteObjects(path).some((o) => o.includes('fence'))).toBe(false);
    const ok = await cutover(path, ...schema);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await db.query(`SELECT note FROM locked.items WHERE id = 1`)).rows[0]!.note).toBe('after the failed cutover');
  });

  it('finishes a cutover killed after its swap committed: a rerun fences app.db and removes capture', async () => {
    const path = onlineDb(work, 'afterswap');
    const schema = ['--schema', 'afterswap'];
    expect((await sync(path, '--once', ...schema)).code).toBe(0);
    // The state such a kill leaves: the journal says cut over (the swap's transaction sets it), app.db still captures.
    await db.query(`UPDATE sqlite2pg.runs SET status = 'cut-over' WHERE target_schema = 'afterswap' AND mode = 'online'`);
    const c = await cutover(path, ...schema);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stdout + c.stderr).toMatch(/was already cut over/);
    const objects = sqliteObjects(path);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.every((o) => o.startsWith('trigger _sqlite2pg_fence_'))).toBe(true);
    expect(writeFromOtherProcess(path, `DELETE FROM items WHERE id = 1`).stderr).toMatch(/migrated to PostgreSQL/);
  });

  it('stops cleanly on Ctrl-C (exit 0, position kept) and continues on the next call', async () => {
    const path = onlineDb(work, 'sigint');
    const schema = ['--schema', 'sigint'];
    expect((await sync(path, '--once', ...schema)).code).toBe(0);
    writeFromOtherProcess(path, `UPDATE items SET n = n + 1 WHERE id <= 50`);
    const r = await runCli(['sync', path, ...common(['--snapshot-dir', join(work, 'snap'), '--interval', '50', ...schema])], { killAfterStderr: { match: /round: /, signal: 'SIGINT' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Stopped; the journal holds the applied position/);
    const again = await sync(path, '--once', ...schema);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/round: 50 keys/);
    expect((await sync(path, '--abort', ...schema)).code).toBe(0);
  });

  it('quarantines a replayed row whose value fails its cast, and the cutover says so (exit 8) unless allowed', async () => {
    const path = onlineDb(work, 'quarantine');
    const schema = ['--schema', 'quarantined'];
    expect((await sync(path, '--once', ...schema)).code).toBe(0);
    // INTEGER affinity keeps 'not a number' as TEXT: the integer cast refuses it. (Item 150 has no
    // tags: quarantining a parent would let PostgreSQL's ON DELETE CASCADE remove its children,
    // which the cutover's staging counters see and refuse, exit 6: see window-proof.test.ts.)
    writeFromOtherProcess(path, `UPDATE items SET n = 'not a number' WHERE id = 150`);
    expect((await sync(path, '--once', ...schema)).code).toBe(0);
    const refused = await cutover(path, ...schema);
    expect(refused.code, refused.stdout + refused.stderr).toBe(8);
    expect(refused.stdout + refused.stderr).toMatch(/1 row was quarantined/);
    expect(writeFromOtherProcess(path, `UPDATE items SET note = 'still on sqlite' WHERE id = 11`).status).toBe(0);
    const ok = await cutover(path, ...schema, '--allow-quarantine');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM quarantined.items WHERE id = 150`)).rows[0]!.n).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM sqlite2pg.quarantine q JOIN sqlite2pg.runs r USING (run_id) WHERE r.target_schema = 'quarantined' AND q.row_key = 'id=150'`)).rows[0]!.n).toBe(1);
    expect((await db.query(`SELECT note FROM quarantined.items WHERE id = 11`)).rows[0]!.note).toBe('still on sqlite');
  });

  it('continues after being killed during a round, with nothing lost or applied twice', async () => {
    const path = onlineDb(work, 'kill');
    const schema = ['--schema', 'killed'];
    expect((await sync(path, '--once', ...schema)).code).toBe(0);
    const writer = steadyWriter(path, 300);
    try {
      const k = await runCli(['sync', path, ...common(['--snapshot-dir', join(work, 'snap'), '--interval', '50', ...schema])], { killAfterStderr: { match: /round: /, signal: 'SIGKILL' } });
      expect(k.signal).toBe('SIGKILL');
      await sleep(300);
      expect((await sync(path, '--once', ...schema)).code).toBe(0);
    } finally {
      writer.child.kill('SIGTERM');
      await writer.done;
    }
    const c = await cutover(path, ...schema);
    expect(c.code, c.stderr).toBe(0);
    const v = await runCli(['verify', path, ...common(schema)]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});
