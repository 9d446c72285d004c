/**
 * CPU cost per row of the row encoder and the checksum (what a lane does per row besides reading
 * SQLite and writing the batch) on the benchmark database's events table (not part of
 * `npm run bench`). With a second build directory (its dist/), both run in one process,
 * interleaved on the same slices, so a shared machine's drift hits both alike.
 * Run: npx tsc -p tsconfig.json && node dist/bench/row-encoder-cost.js [db path] [other repo dir]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { introspectSqlite } from '../src/source/introspect-sqlite.js';
import { loadMappings } from '../src/mappings/load-mappings.js';
import { buildPlan } from '../src/plan/build-plan.js';
import { selectSql } from '../src/source/read-rows.js';
import { printInterleavedRounds } from './interleaved-rounds.js';

const [dbPath = 'bench/.cache/db/bench-v1-1000000.sqlite', other] = process.argv.slice(2);
const ROWS = 100_000;
const ROUNDS = 20;

const db = new Database(dbPath, { readonly: true, fileMustExist: true });
const catalog = introspectSqlite(db, dbPath, 0);
const { mappings } = await loadMappings('bench/mappings');
const plan = buildPlan(catalog, mappings, { schema: 'public', fold: 'snake' });
const t = plan.tables.find((x) => x.source === 'events')!;
const rows = db.prepare(`${selectSql(t, { lo: 1n, hi: BigInt(ROWS) })}`).raw(true).safeIntegers(true).all(1n, BigInt(ROWS)) as unknown[][];
db.close();

type Mods = { encoder: typeof import('../src/encode/row-encoder.js'); checksum: typeof import('../src/encode/checksum.js') };
const load = async (dir: string): Promise<Mods> => ({
  encoder: (await import(pathToFileURL(resolve(dir, 'dist/src/encode/row-encoder.js')).href)) as Mods['encoder'],
  checksum: (await import(pathToFileURL(resolve(dir, 'dist/src/encode/checksum.js')).href)) as Mods['checksum'],
});
const builds: [string, Mods][] = [['this build', await load('.')]];
if (other !== undefined) builds.push([other, await load(other)]);

let sink = 0;
const runOnce = (m: Mods): number => {
  const encode = m.encoder.createRowEncoder(t, () => 'k');
  const acc = new m.checksum.ChecksumAccumulator();
  const t0 = process.cpuUsage();
  for (const row of rows) {
    const r = encode(row as never, 1);
    if (m.encoder.isRowProblem(r)) continue;
    sink += r.line.length;
    acc.add(r.canonical);
  }
  const u = process.cpuUsage(t0);
  sink += acc.count;
  return (u.user + u.system) / rows.length;
};
printInterleavedRounds(builds, ROUNDS, `${rows.length} events rows`, runOnce);
if (sink === 42) console.log('');
