/**
 * Where the benchmark loads into: a fresh database `sqlite2pg_bench_<rows>` on either a throwaway
 * embedded PostgreSQL (in a temp dir under bench/.cache/pg) or the server of `--target <url>`.
 * The database is dropped and re-created before every measured run, so runs never see each
 * other's tables, and the password only ever travels in PGPASSWORD.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbedded, stopEmbedded } from '../src/embedded/embedded-server.js';
import { commandName, parentOf } from './measure.js';

export interface BenchServer {
  readonly kind: 'embedded' | 'external';
  /** URL of the maintenance database, password included: for our own pg client only. */
  readonly adminUrl: string;
  /** Directory of the embedded server, to remove after the run. */
  readonly dir: string | null;
  readonly version: string;
  /** Pid of the postmaster when the server runs on this machine and we can see it, else null. */
  readonly postmasterPid: number | null;
}

export interface BenchDatabase {
  readonly name: string;
  /** URL without the password, safe for a command line. */
  readonly url: string;
  /** libpq environment for psql/sqlite2pg: PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, ... */
  readonly env: Readonly<Record<string, string>>;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export function benchDatabaseName(rows: number): string {
  return `sqlite2pg_bench_${rows}`;
}

/** The URL with another database and without its password, plus the libpq variables for it. */
export function databaseFor(adminUrl: string, name: string): BenchDatabase {
  const u = new URL(adminUrl);
  const password = decodeURIComponent(u.password || u.searchParams.get('password') || '');
  u.password = '';
  u.searchParams.delete('password');
  u.pathname = `/${encodeURIComponent(name)}`;
  const env: Record<string, string> = {
    PGHOST: decodeURIComponent(u.hostname) || u.searchParams.get('host') || 'localhost',
    PGPORT: u.port || '5432',
    PGDATABASE: name,
    // Both pipelines read naive timestamps as UTC (the mappings say timeZone UTC).
    PGTZ: 'UTC',
  };
  if (u.username) env['PGUSER'] = decodeURIComponent(u.username);
  if (password) env['PGPASSWORD'] = password;
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env['PGSSLMODE'] = sslmode;
  return { name, url: u.toString(), env };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'sqlite2pg-bench' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const isLoopback = (host: string): boolean => ['localhost', '127.0.0.1', '::1', '[::1]', ''].includes(host) || host.startsWith('/');

/** The postmaster is the parent of our backend; only trusted when both are local `postgres` processes. */
async function findPostmaster(c: pg.Client, host: string): Promise<number | null> {
  if (!isLoopback(host)) return null;
  const backend = Number((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
  const postmaster = parentOf(backend);
  if (postmaster === null || commandName(backend) !== 'postgres' || commandName(postmaster) !== 'postgres') return null;
  return postmaster;
}

/** Start a throwaway embedded server, or check the one of `--target`. */
export async function openBenchServer(cacheDir: string, targetUrl: string | undefined): Promise<BenchServer> {
  let dir: string | null = null;
  let adminUrl = targetUrl;
  if (!adminUrl) {
    // As root the server runs as the `postgres` OS user, which must be able to traverse every parent.
    const pgRoot = join(cacheDir, 'pg');
    await mkdir(pgRoot, { recursive: true });
    await chmod(cacheDir, 0o755);
    await chmod(pgRoot, 0o755);
    dir = await mkdtemp(join(pgRoot, 'run-'));
    try {
      adminUrl = (await startEmbedded(dir)).server.url;
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }
  const host = new URL(adminUrl).hostname;
  const { version, postmasterPid } = await withClient(adminUrl, async (c) => ({
    version: String((await c.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v).split(' on ')[0]!,
    postmasterPid: await findPostmaster(c, host),
  }));
  return { kind: dir ? 'embedded' : 'external', adminUrl, dir, version, postmasterPid };
}

/** Stop and delete the embedded server (unless kept); an external server is left alone. */
export async function closeBenchServer(server: BenchServer, keep: boolean): Promise<void> {
  if (!server.dir || keep) return;
  await stopEmbedded(server.dir);
  await rm(server.dir, { recursive: true, force: true });
}

/**
 * Drop and re-create the bench database, then CHECKPOINT so the previous run's dirty buffers are
 * not written during the next one. UTF8 with C collation, like the embedded cluster.
 */
export async function recreateBenchDatabase(server: BenchServer, name: string): Promise<BenchDatabase> {
  await withClient(server.adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'`);
    // Needs superuser or pg_checkpoint; without them the runs are merely less isolated.
    await c.query('CHECKPOINT').catch(() => undefined);
  });
  return databaseFor(server.adminUrl, name);
}

/**
 * Drop `name` and re-create it as a copy of `template` (which must have no connections), then
 * CHECKPOINT. FILE_COPY copies the files after a checkpoint instead of writing every block through
 * the WAL (the default since PostgreSQL 15), which is much faster for a large database; servers
 * before 15 do not know STRATEGY and get the plain form.
 */
export async function cloneBenchDatabase(server: BenchServer, template: string, name: string): Promise<BenchDatabase> {
  await withClient(server.adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    const major = Number((await c.query<{ v: string }>('SHOW server_version_num')).rows[0]!.v) / 10_000;
    await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}${major >= 15 ? ' STRATEGY FILE_COPY' : ''}`);
    await c.query('CHECKPOINT').catch(() => undefined);
  });
  return databaseFor(server.adminUrl, name);
}

export async function dropBenchDatabase(server: BenchServer, name: string): Promise<void> {
  await withClient(server.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** Rows per table as PostgreSQL counts them (schema public). */
export async function countRows(db: BenchDatabase, tables: readonly string[]): Promise<Record<string, number>> {
  const client = new pg.Client({ application_name: 'sqlite2pg-bench', ...pgConfigFromEnv(db.env) });
  await client.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM public.${quoteIdent(t)}`)).rows[0]!.n);
    return out;
  } finally {
    await client.end();
  }
}

function pgConfigFromEnv(env: Readonly<Record<string, string>>): pg.ClientConfig {
  return {
    host: env['PGHOST'],
    port: Number(env['PGPORT']),
    database: env['PGDATABASE'],
    ...(env['PGUSER'] ? { user: env['PGUSER'] } : {}),
    ...(env['PGPASSWORD'] ? { password: env['PGPASSWORD'] } : {}),
  };
}
