/**
 * The benchmark's source database: deterministic (same seed and shape version → same rows,
 * same file), cached under bench/.cache keyed by row count and shape version.
 *
 * Shape at N rows: `events` (1.1·N rows, ~245-byte JSON payloads) and `users` (N/10 rows),
 * about 330 MiB at N = 1M. Bump SHAPE_VERSION whenever anything below changes the data.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const SHAPE_VERSION = 1;
export const SEED = 0x5eed_2025;
/** Rows per write transaction while generating. */
const TXN_ROWS = 50_000;

export interface BenchDbShape {
  readonly events: number;
  readonly users: number;
}

export interface BenchDb {
  readonly path: string;
  readonly shape: BenchDbShape;
  readonly sizeBytes: number;
  /** True when the file came from the cache. */
  readonly cached: boolean;
  readonly generateMs: number | null;
}

export function shapeFor(rows: number): BenchDbShape {
  return { events: Math.round(rows * 1.1), users: Math.max(1, Math.round(rows / 10)) };
}

export function benchDbPath(cacheDir: string, rows: number): string {
  return join(cacheDir, `bench-v${SHAPE_VERSION}-${rows}.sqlite`);
}

/** mulberry32: a tiny seeded PRNG with a full 2^32 period; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;

const intIn = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** A float rounded to `digits` decimals, printed by JSON.stringify in its shortest form. */
const decimal = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const hex = (rand: Rand, chars: number): string => {
  let s = '';
  while (s.length < chars) s += Math.floor(rand() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return s.slice(0, chars);
};

/** `YYYY-MM-DD HH:MM:SS` (UTC), the text SQLite's datetime() produces. */
export function sqliteDatetime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

const EPOCH_2021 = Date.UTC(2021, 0, 1) / 1000;
const THREE_YEARS_S = 3 * 365 * 86_400;
const randomDatetime = (rand: Rand): string => sqliteDatetime(EPOCH_2021 + Math.floor(rand() * THREE_YEARS_S));

const KINDS = ['page_view', 'page_view', 'page_view', 'click', 'click', 'search', 'purchase', 'signup', 'logout'] as const;
const SOURCES = ['web', 'ios', 'android', 'api'] as const;
const OSES = ['linux', 'macos', 'windows', 'ios', 'android'] as const;
const SCREENS = [[1920, 1080], [2560, 1440], [1366, 768], [390, 844], [412, 915]] as const;
// Some non-ASCII on purpose: the pipelines must carry UTF-8 unchanged.
const PLACES = [['DE', 'Berlin'], ['CH', 'Zürich'], ['BR', 'São Paulo'], ['PL', 'Kraków'], ['JP', '東京'], ['US', 'Austin'], ['FR', 'Lyon']] as const;
const TAGS = ['beta', 'mobile', 'returning', 'promo', 'newsletter', 'ab-test'] as const;
const THEMES = ['light', 'dark', 'system'] as const;
const LANGS = ['en', 'de', 'fr', 'pt-BR', 'ja'] as const;
const FIRST_NAMES = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret', 'dennis', 'frances'] as const;

/** One event payload: nested objects, arrays, integers, decimals, strings, booleans; ~245 bytes. */
export function eventPayload(rand: Rand): string {
  const [country, city] = pick(rand, PLACES);
  const tagCount = intIn(rand, 0, 2);
  const itemCount = rand() < 0.25 ? 2 : 1;
  return JSON.stringify({
    source: pick(rand, SOURCES),
    session: hex(rand, 8),
    device: { os: pick(rand, OSES), ver: `${intIn(rand, 1, 17)}.${intIn(rand, 0, 9)}.${intIn(rand, 0, 20)}`, screen: pick(rand, SCREENS) },
    geo: { country, city, lat: decimal(rand() * 180 - 90, 3), lon: decimal(rand() * 360 - 180, 3) },
    tags: Array.from({ length: tagCount }, () => pick(rand, TAGS)),
    amount: decimal(rand() * 1000, 2),
    items: Array.from({ length: itemCount }, () => ({ sku: intIn(rand, 10_000, 99_999), qty: intIn(rand, 1, 5) })),
    consent: rand() < 0.7,
  });
}

export function userSettings(rand: Rand): string {
  return JSON.stringify({
    theme: pick(rand, THEMES),
    lang: pick(rand, LANGS),
    notifications: { email: rand() < 0.5, push: rand() < 0.3, digest: pick(rand, ['daily', 'weekly', 'never']) },
  });
}

const SCHEMA_SQL = `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  settings TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL
);`;
/** Built after the rows are in: faster, and the same index the raw pipe builds. */
const INDEX_SQL = 'CREATE INDEX events_user_id ON events (user_id);';

/** Insert `count` rows produced by `row(id)` in transactions of TXN_ROWS, through one prepared statement. */
function insertAll(db: Database.Database, sql: string, count: number, row: (id: number) => unknown[]): void {
  const insert = db.prepare(sql);
  const batch = db.transaction((from: number, to: number) => {
    for (let id = from; id <= to; id++) insert.run(row(id));
  });
  for (let from = 1; from <= count; from += TXN_ROWS) batch(from, Math.min(count, from + TXN_ROWS - 1));
}

/** Write the database to `path` (which must not exist). */
export function generateBenchDb(path: string, shape: BenchDbShape, seed = SEED): void {
  const rand = mulberry32(seed);
  const db = new Database(path);
  try {
    // A throwaway file being built: no journal, no fsync. Neither setting persists in the file.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec(SCHEMA_SQL);
    insertAll(db, 'INSERT INTO users (id, email, settings, active, created_at) VALUES (?, ?, ?, ?, ?)', shape.users, (id) => [
      id,
      `${pick(rand, FIRST_NAMES)}.${id}@example.com`,
      userSettings(rand),
      rand() < 0.8 ? 1 : 0,
      randomDatetime(rand),
    ]);
    insertAll(db, 'INSERT INTO events (id, user_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)', shape.events, (id) => [
      id,
      intIn(rand, 1, shape.users),
      pick(rand, KINDS),
      eventPayload(rand),
      randomDatetime(rand),
    ]);
    db.exec(INDEX_SQL);
  } finally {
    db.close();
  }
}

/** The cached database for `rows`, generated (into a temp name, then renamed) when missing. */
export async function ensureBenchDb(cacheDir: string, rows: number, log: (line: string) => void): Promise<BenchDb> {
  const path = benchDbPath(cacheDir, rows);
  const shape = shapeFor(rows);
  const existing = await stat(path).catch(() => null);
  if (existing) return { path, shape, sizeBytes: existing.size, cached: true, generateMs: null };
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await rm(tmp, { force: true });
  log(`generating ${path} (events ${shape.events.toLocaleString('en-US')}, users ${shape.users.toLocaleString('en-US')}) ...`);
  const start = performance.now();
  try {
    generateBenchDb(tmp, shape);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await rename(tmp, path);
  const generateMs = performance.now() - start;
  return { path, shape, sizeBytes: (await stat(path)).size, cached: false, generateMs };
}
