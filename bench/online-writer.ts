/**
 * The online bench's application, as separate OS processes (each with its own SQLite connection):
 *   node dist/bench/online-writer.js writer <db> <writes/s>   inserts, updates, deletes, INSERT OR
 *       REPLACE hitting the UNIQUE sessions.token, upserts; until SIGTERM or the fence; prints JSON
 *   node dist/bench/online-writer.js prober <db> <pg url>     a tiny write every 10 ms to SQLite;
 *       once app.db is fenced, the same write to PostgreSQL; prints JSON with the gap the application
 *       saw, then waits for SIGTERM
 */
import Database from 'better-sqlite3';
import pg from 'pg';

const [, , mode, path, arg] = process.argv as [string, string, string, string, string];
let stop = false;
process.on('SIGTERM', () => (stop = true));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const FENCED = /migrated to PostgreSQL by sqlite2pg/;

async function writer(): Promise<void> {
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  const rate = Number(arg);
  const maxEvent = Number(db.prepare('SELECT max(id) FROM events').pluck().get());
  const rnd = (n: number): number => 1 + Math.floor(Math.random() * n);
  const ins = db.prepare(`INSERT INTO events (user_id, kind, payload, created_at) VALUES (?, 'bench', '{"w":1}', datetime('now'))`);
  const upd = db.prepare(`UPDATE events SET kind = 'updated' WHERE id = ?`);
  const del = db.prepare(`DELETE FROM events WHERE id = ?`);
  const rep = db.prepare(`INSERT OR REPLACE INTO sessions (id, token, user_id, seen) VALUES (?, 'tok' || ?, ?, datetime('now'))`);
  const ups = db.prepare(`INSERT INTO sessions (id, token, user_id, seen) VALUES (?, ?, 1, datetime('now')) ON CONFLICT (id) DO UPDATE SET seen = excluded.seen`);
  // New ids and tokens on every start, as on a fresh copy: a writer started again on a restored
  // app.db continues after the last REPLACE id (100,000 + n) its predecessor wrote.
  const first = Math.max(0, Number(db.prepare('SELECT max(id) FROM sessions').pluck().get()) - 100_000 + 1);
  let n = 0;
  let failed = 0;
  let fenced = false;
  const t0 = Date.now();
  while (!stop) {
    try {
      switch (n % 5) {
        case 0: ins.run(rnd(1000)); break;
        case 1: upd.run(rnd(maxEvent)); break;
        case 2: del.run(rnd(maxEvent)); break;
        // A new id whose token belongs to another session: REPLACE deletes that row.
        case 3: rep.run(100_000 + first + n, rnd(1000), rnd(1000)); break;
        default: ups.run(rnd(2000), `u${first + n}`); break;
      }
    } catch (e) {
      failed++;
      if (FENCED.test((e as Error).message)) {
        fenced = true;
        break;
      }
    }
    n++;
    const wait = t0 + (n * 1000) / rate - Date.now();
    if (wait > 0) await sleep(wait);
  }
  db.close();
  process.stdout.write(`${JSON.stringify({ writes: n - failed, failed, fenced, seconds: (Date.now() - t0) / 1000 })}\n`);
}

async function prober(): Promise<void> {
  const db = new Database(path);
  db.pragma('busy_timeout = 30000');
  const probe = db.prepare(`UPDATE sessions SET seen = ? WHERE id = 1`);
  let lastSqlite = 0;
  let firstPg = 0;
  let maxSqliteGap = 0;
  let sqliteWrites = 0;
  while (!stop) {
    const t = Date.now();
    try {
      probe.run(new Date(t).toISOString());
      const now = Date.now();
      if (lastSqlite) maxSqliteGap = Math.max(maxSqliteGap, now - lastSqlite);
      lastSqlite = now;
      sqliteWrites++;
    } catch (e) {
      if (!FENCED.test((e as Error).message)) throw e;
      break;
    }
    await sleep(10);
  }
  db.close();
  if (!stop) {
    // The application moves to PostgreSQL: the first write there ends its downtime.
    const c = new pg.Client({ connectionString: arg });
    await c.connect();
    for (;;) {
      try {
        // A real write (row lock, new tuple) that keeps the data, so the verify afterwards still compares equal.
        await c.query(`UPDATE public.sessions SET seen = seen WHERE id = 1`);
        firstPg = Date.now();
        break;
      } catch {
        await sleep(10);
      }
    }
    await c.end();
  }
  process.stdout.write(`${JSON.stringify({ sqliteWrites, maxSqliteGapMs: maxSqliteGap, lastSqliteAt: lastSqlite, firstPgAt: firstPg, downtimeMs: firstPg && lastSqlite ? firstPg - lastSqlite : null })}\n`);
  // Exit only when told: the bench reads the CPU of the cutover from its own children time, which
  // an exiting child would add to.
  while (!stop) await sleep(20);
}

await (mode === 'writer' ? writer() : prober());
