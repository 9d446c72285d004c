/**
 * The baseline: what a careful person does by hand with the stock command-line tools.
 * `sqlite3 -csv db "SELECT …" | psql -c "\copy t FROM STDIN (FORMAT csv)"` into the same typed
 * tables (jsonb, timestamptz, boolean), one table after the other, then the same primary keys
 * and index. No validation, no verification, no cutover: a lower bound on time, not a migration.
 * Connection settings travel in the libpq environment (PGPASSWORD included), never in argv.
 */
import { spawn } from 'node:child_process';
import { startTimer } from './measure.js';

/** One step: an SQL script for psql, or a sqlite3 SELECT piped into a psql \copy. */
export type RawPipeStep =
  | { readonly kind: 'psql'; readonly step: string; readonly table: null; readonly sql: string }
  | { readonly kind: 'pipe'; readonly step: string; readonly table: string; readonly select: string; readonly sql: string };

export interface RawPipeStepResult {
  readonly step: string;
  readonly table: string | null;
  readonly ms: number;
  /** Rows COPY reported loading (pipe steps). */
  readonly rows: number | null;
}

export interface RawPipeResult {
  readonly ok: boolean;
  readonly ms: number;
  readonly steps: readonly RawPipeStepResult[];
  readonly error: string | null;
}

/** Same column types and NOT NULLs sqlite2pg plans for the bench database with bench/mappings. */
const CREATE_TABLES = `
CREATE TABLE users (id bigint NOT NULL, email text NOT NULL, settings jsonb NOT NULL, active boolean NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE events (id bigint NOT NULL, user_id bigint NOT NULL, kind text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL);`;

/** Keys as sqlite2pg builds them (unique index, then the constraint on it), then the secondary index. */
const KEYS_AND_INDEXES = `
CREATE UNIQUE INDEX events_pkey ON events (id);
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey;
CREATE UNIQUE INDEX users_pkey ON users (id);
ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_pkey;
CREATE INDEX events_user_id ON events (user_id);`;

/** The whole baseline, in order. Largest table first, as sqlite2pg does. */
export const RAW_PIPE_STEPS: readonly RawPipeStep[] = [
  { step: 'create tables', table: null, kind: 'psql', sql: CREATE_TABLES },
  {
    step: 'copy',
    table: 'events',
    kind: 'pipe',
    select: 'SELECT id, user_id, kind, payload, created_at FROM events',
    sql: '\\copy events (id, user_id, kind, payload, created_at) FROM STDIN (FORMAT csv)',
  },
  {
    step: 'copy',
    table: 'users',
    kind: 'pipe',
    // SQLite stores booleans as 0/1; PostgreSQL's boolean input wants t/f.
    select: `SELECT id, email, settings, CASE active WHEN 1 THEN 't' ELSE 'f' END, created_at FROM users`,
    sql: '\\copy users (id, email, settings, active, created_at) FROM STDIN (FORMAT csv)',
  },
  { step: 'keys and indexes', table: null, kind: 'psql', sql: KEYS_AND_INDEXES },
];

// psql: no ~/.psqlrc (-X), stop at the first error; sqlite3: no ~/.sqliterc, no header, CSV out.
const PSQL = 'psql -X -v ON_ERROR_STOP=1';
const SQLITE3 = 'sqlite3 -batch -bail -init /dev/null -noheader -csv';

/** bash argv for one step; values are positional parameters, so nothing needs shell quoting. */
export function stepCommand(step: RawPipeStep, dbPath: string): string[] {
  if (step.kind === 'psql') return ['-c', `${PSQL} -c "$1"`, 'raw-pipe', step.sql];
  return ['-c', `set -o pipefail; ${SQLITE3} "$1" "$2" | ${PSQL} -c "$3"`, 'raw-pipe', dbPath, step.select, step.sql];
}

/** Rows from psql's `COPY 123` command tag. */
export function parseCopyRows(stdout: string): number | null {
  const m = /^COPY (\d+)$/m.exec(stdout);
  return m ? Number(m[1]) : null;
}

export async function commandExists(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `command -v "$1" >/dev/null 2>&1`, 'sh', name], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

interface ChildOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runBash(args: readonly string[], env: NodeJS.ProcessEnv, onSpawn: (pid: number) => void): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) onSpawn(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export interface RawPipeOptions {
  readonly dbPath: string;
  /** libpq variables of the target database. */
  readonly pgEnv: Readonly<Record<string, string>>;
  /** Called with the pid of each step's shell, so its process tree can be sampled. */
  readonly onSpawn: (pid: number) => void;
}

/** Run every step in order; stops at the first failure. */
export async function runRawPipe(o: RawPipeOptions): Promise<RawPipeResult> {
  const env = { ...process.env, ...o.pgEnv, PGAPPNAME: 'sqlite2pg-bench-raw' };
  const total = startTimer();
  const steps: RawPipeStepResult[] = [];
  for (const step of RAW_PIPE_STEPS) {
    const elapsed = startTimer();
    const r = await runBash(stepCommand(step, o.dbPath), env, o.onSpawn);
    const ms = elapsed();
    if (r.code !== 0) {
      return { ok: false, ms: total(), steps, error: `${step.step}${step.table ? ` ${step.table}` : ''} exited ${r.code}: ${r.stderr.trim()}` };
    }
    steps.push({ step: step.step, table: step.table, ms, rows: step.kind === 'pipe' ? parseCopyRows(r.stdout) : null });
  }
  return { ok: true, ms: total(), steps, error: null };
}
