/**
 * pgloader, for comparison, when it is on PATH: the same database with the same casts
 * (jsonb, timestamptz, 0/1 → boolean), tables and indexes created by pgloader itself.
 * The password travels in PGPASSWORD, which pgloader reads when the URL has none.
 * https://pgloader.readthedocs.io/en/latest/ref/sqlite.html
 *
 * `users.active` is cast without a transform: pgloader's `tinyint-to-boolean` expects the text
 * values of the MySQL driver and fails on SQLite's integers ("1 is not a string designator", the
 * whole table lost while pgloader exits 0); PostgreSQL's boolean input takes `1`/`0` as they are.
 * Run with pgloader 3.6.7~devel (Debian 12's 3.6.9-1 package).
 */
import { spawn } from 'node:child_process';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startTimer } from './measure.js';

/** The load command; `targetUrl` must not contain a password. */
export function pgloaderCommand(dbPath: string, targetUrl: string): string {
  const into = targetUrl.replace(/^postgres(ql)?:/, 'pgsql:');
  return `LOAD DATABASE
  FROM sqlite://${resolve(dbPath)}
  INTO ${into}
  WITH include drop, create tables, create indexes, reset sequences
  SET timezone to 'UTC'
  CAST column events.payload to jsonb,
       column users.settings to jsonb,
       column events.created_at to timestamptz,
       column users.created_at to timestamptz,
       column users.active to boolean drop typemod;
`;
}

export interface PgloaderRun {
  readonly exitCode: number;
  readonly wallMs: number;
  readonly logPath: string;
}

export async function runPgloader(o: {
  readonly dbPath: string;
  readonly targetUrl: string;
  readonly pgEnv: Readonly<Record<string, string>>;
  readonly workDir: string;
  readonly onSpawn: (pid: number) => void;
}): Promise<PgloaderRun> {
  await mkdir(o.workDir, { recursive: true });
  const commandFile = join(o.workDir, 'bench.load');
  await writeFile(commandFile, pgloaderCommand(o.dbPath, o.targetUrl));
  const logPath = join(o.workDir, 'pgloader.log');
  const log = await open(logPath, 'w');
  const elapsed = startTimer();
  const exitCode = await new Promise<number>((resolveExit, reject) => {
    const child = spawn('pgloader', [commandFile], {
      env: { ...process.env, ...o.pgEnv },
      stdio: ['ignore', log.fd, log.fd],
    });
    if (child.pid) o.onSpawn(child.pid);
    child.on('error', reject);
    child.on('close', (code) => resolveExit(code ?? 1));
  }).finally(() => log.close());
  return { exitCode, wallMs: elapsed(), logPath };
}
