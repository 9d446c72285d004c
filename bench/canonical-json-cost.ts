/**
 * CPU cost of canonicalJsonb per document on a jsonb column of the benchmark database (not part
 * of `npm run bench`). With a second module (the compiled canonical-json.js of another revision)
 * both run in one process, interleaved on the same 20k-document slices, so that a shared machine's
 * drift hits both alike; each figure includes flattening the output (Buffer.byteLength), as the
 * checksum's md5 update does.
 * Run: npx tsc -p tsconfig.json && node dist/bench/canonical-json-cost.js \
 *        [events.payload|users.settings] [db path] [other canonical-json.js]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { canonicalJsonb } from '../src/encode/canonical-json.js';

const [column = 'events.payload', dbPath = 'bench/.cache/db/bench-v1-1000000.sqlite', other] = process.argv.slice(2);
const [table, col] = column.split('.') as [string, string];
const DOCS = 200_000;
const SLICE = 20_000;
const ROUNDS = 30;

const db = new Database(dbPath, { readonly: true, fileMustExist: true });
const docs = (db.prepare(`SELECT "${col}" FROM "${table}" LIMIT ${DOCS}`).pluck().all() as unknown[]).filter((v): v is string => typeof v === 'string');
db.close();

const fns: [string, (text: string) => string][] = [['this revision', canonicalJsonb]];
if (other !== undefined) {
  const mod = (await import(pathToFileURL(resolve(other)).href)) as { canonicalJsonb: (text: string) => string };
  fns.push([other, mod.canonicalJsonb]);
}

let sink = 0;
for (const [, fn] of fns) for (const d of docs) sink += Buffer.byteLength(fn(d)); // warm-up
const times = fns.map((): number[] => []);
for (let r = 0; r < ROUNDS; r++) {
  const from = (r * SLICE) % docs.length;
  const to = Math.min(from + SLICE, docs.length);
  for (let j = 0; j < fns.length; j++) {
    const f = (j + r) % fns.length;
    const fn = fns[f]![1];
    const t0 = process.cpuUsage();
    for (let i = from; i < to; i++) sink += Buffer.byteLength(fn(docs[i]!));
    const d = process.cpuUsage(t0);
    times[f]!.push((d.user + d.system) / (to - from));
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`${column}: ${docs.length} documents, ${ROUNDS} rounds of ${SLICE}`);
fns.forEach(([name], f) => {
  const ratio = median(times[f]!.map((t, r) => t / times[0]![r]!));
  console.log(`  ${name}: ${median(times[f]!).toFixed(3)} µs CPU per document (median), ${ratio.toFixed(3)}× this revision`);
});
if (sink < 0) console.log(sink);
