/**
 * CPU cost per row of reading a table the way a lane reads it (`iterateRows`: SQLite stepping,
 * value creation, the UTF-8 checks), on the benchmark database's events table and on a generated
 * table where every row holds U+FFFD (the worst case of the per-row check read). Not part of
 * `npm run bench`. With a second build directory (its dist/), both run in one process,
 * interleaved, so a shared machine's drift hits both alike.
 * Run: npx tsc -p tsconfig.json && node dist/bench/read-rows-cost.js [db path] [other repo dir]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { introspectSqlite } from '../src/source/introspect-sqlite.js';
import { loadMappings } from '../src/mappings/load-mappings.js';
import { buildPlan } from '../src/plan/build-plan.js';
import type { TablePlan } from '../src/model/plan.js';
import { printInterleavedRounds } from './interleaved-rounds.js';

const [dbPath = 'bench/.cache/db/bench-v1-1000000.sqlite', other] = process.argv.slice(2);
const ROWS = 300_000;
const ROUNDS = 7;

const db = new Database(dbPath, { readonly: true, fileMustExist: true });
const { mappings } = await loadMappings('bench/mappings');
const events = buildPlan(introspectSqlite(db, dbPath, 0), mappings, { schema: 'public', fold: 'snake' }).tables.find((x) => x.source === 'events')!;

// Every row holds U+FFFD in its text column: half a genuine one, half invalid bytes.
const work = mkdtempSync(join(tmpdir(), 'sqlite2pg-read-cost-'));
const worstPath = join(work, 'worst.db');
const w = new Database(worstPath);
w.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, j TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
INSERT INTO t SELECT i, CASE WHEN i % 2 = 0 THEN 'name ' || i || char(65533) ELSE CAST(x'6e616d65ff' AS TEXT) END, '{"k": ' || i || '}' FROM n`);
w.close();
const worstDb = new Database(worstPath, { readonly: true });
const worst = buildPlan(introspectSqlite(worstDb, worstPath, 0), new Map(), { schema: 'public', fold: 'snake' }).tables[0]!;

type ReadRows = typeof import('../src/source/read-rows.js');
const load = async (dir: string): Promise<ReadRows> => (await import(pathToFileURL(resolve(dir, 'dist/src/source/read-rows.js')).href)) as ReadRows;
const builds: [string, ReadRows][] = [['this build', await load('.')]];
if (other !== undefined) builds.push([other, await load(other)]);

let sink = 0;
const runOnce = (m: ReadRows, d: Database.Database, t: TablePlan): number => {
  const t0 = process.cpuUsage();
  let n = 0;
  for (const row of m.iterateRows(d, t, { lo: 1n, hi: BigInt(ROWS) })) {
    n++;
    sink += row.length;
  }
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / n;
};
for (const [label, d, t] of [['events', db, events], ['every row with U+FFFD', worstDb, worst]] as const) {
  printInterleavedRounds(builds, ROUNDS, `${ROWS} rows`, (m) => runOnce(m, d, t), `${label}, `);
}
db.close();
worstDb.close();
rmSync(work, { recursive: true, force: true });
if (sink === 42) console.log('');
