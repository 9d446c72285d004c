// A concurrent application for the online tests: a separate OS process with its own
// better-sqlite3 connection. Usage:
//   node writer.mjs <db> exec <sql>             run one script (autocommit statements), exit
//   node writer.mjs <db> steady <writes/s>      write until SIGTERM: inserts, updates, deletes,
//                                               INSERT OR REPLACE on the UNIQUE email, upserts;
//                                               prints "ok <n>" / "refused <n> <message>" at the end
import Database from 'better-sqlite3';

const [, , path, mode, arg] = process.argv;
const db = new Database(path);
db.pragma('busy_timeout = 10000');
if (mode === 'exec') {
  db.exec(arg);
  db.close();
  process.exit(0);
}
const rate = Number(arg ?? 200);
let stop = false;
process.on('SIGTERM', () => (stop = true));
let n = 0;
let refused = 0;
let lastError = '';
const maxId = () => Number(db.prepare('SELECT coalesce(max(id), 0) FROM items').pluck().get());
const ops = [
  () => db.prepare(`INSERT INTO items (email, n, note) VALUES (?, ?, ?)`).run(`w${process.pid}-${n}@x`, n, `note ${n}`),
  () => db.prepare(`UPDATE items SET n = n + 1, note = 'upd ' || ? WHERE id = ?`).run(n, 1 + Math.floor(Math.random() * maxId())),
  () => db.prepare(`DELETE FROM items WHERE id = ?`).run(1 + Math.floor(Math.random() * maxId())),
  // Hits the UNIQUE email of another row: REPLACE deletes that row without a DELETE trigger.
  () => db.prepare(`INSERT OR REPLACE INTO items (id, email, n, note) VALUES (?, (SELECT email FROM items WHERE id >= ? ORDER BY id LIMIT 1), ?, 'replaced')`).run(maxId() + 1, 1 + Math.floor(Math.random() * maxId()), n),
  () => db.prepare(`INSERT INTO items (id, email, n, note) VALUES (?, ?, ?, 'upsert') ON CONFLICT (id) DO UPDATE SET n = excluded.n, note = 'upserted'`).run(1 + Math.floor(Math.random() * (maxId() + 2)), `u${process.pid}-${n}@x`, n),
];
const period = 1000 / rate;
const t0 = Date.now();
while (!stop) {
  try {
    ops[n % ops.length]();
  } catch (e) {
    refused++;
    lastError = e.message;
    if (/migrated to PostgreSQL/.test(e.message)) break;
  }
  n++;
  const wait = t0 + n * period - Date.now();
  await new Promise((r) => setTimeout(r, Math.max(0, wait)));
}
console.log(`ok ${n - refused}`);
console.log(`refused ${refused} ${lastError}`);
db.close();
