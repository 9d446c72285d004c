/**
 * Target connection settings, resolved once: --target flag → DATABASE_URL → libpq PG* variables
 * → the embedded default. Frozen; the password never leaves this object except to the driver.
 */
import pg from 'pg';
import { LoadError, UsageError } from '../errors.js';

export interface TargetSettings {
  readonly source: 'flag' | 'DATABASE_URL' | 'PG*' | 'embedded';
  /** Connection string including the password: only for the driver. */
  readonly connectionString: string | null;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Password, for redaction of any text we print. */
  readonly secrets: readonly string[];
  /** URL with the password replaced by `***`. */
  readonly display: string;
}

/** Replace the password of a postgres:// URL by ***; leave anything else alone. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    const q = u.searchParams;
    if (q.has('password')) q.set('password', '***');
    return u.toString();
  } catch {
    return url.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  }
}

/** Replace every secret (and any password inside a postgres URL) in a text. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  for (const s of secrets) {
    if (s.length >= 3) {
      out = out.split(s).join('***');
      const enc = encodeURIComponent(s);
      if (enc !== s) out = out.split(enc).join('***');
    }
  }
  return out;
}

export function targetFromUrl(url: string, source: TargetSettings['source']): TargetSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`The target "${redactText(url, [])}" is not a valid URL.`, { hint: 'Use postgres://user:password@host:5432/database' });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UsageError(`The target must be a postgres:// URL, not ${u.protocol}//...`, { hint: 'Use postgres://user:password@host:5432/database' });
  }
  const password = decodeURIComponent(u.password);
  const queryPassword = u.searchParams.get('password');
  return Object.freeze({
    source,
    connectionString: url,
    host: decodeURIComponent(u.hostname) || u.searchParams.get('host') || 'localhost',
    port: u.port ? Number(u.port) : 5432,
    database: decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || 'postgres',
    user: decodeURIComponent(u.username) || process.env['USER'] || 'postgres',
    secrets: [password, queryPassword ?? ''].filter((s) => s.length > 0),
    display: redactUrl(url),
  });
}

/** Resolve where to migrate to. Returns null when the embedded default should be used. */
export function resolveTarget(flag: string | undefined, env: NodeJS.ProcessEnv): TargetSettings | null {
  if (flag) return targetFromUrl(flag, 'flag');
  const url = env['DATABASE_URL'];
  if (url) return targetFromUrl(url, 'DATABASE_URL');
  if (env['PGHOST'] || env['PGDATABASE'] || env['PGSERVICE'] || env['PGPORT'] || env['PGUSER']) {
    // Let the driver read libpq variables itself (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
    const host = env['PGHOST'] ?? 'localhost';
    const port = Number(env['PGPORT'] ?? 5432);
    const user = env['PGUSER'] ?? env['USER'] ?? 'postgres';
    const database = env['PGDATABASE'] ?? user;
    return Object.freeze({
      source: 'PG*',
      connectionString: null,
      host,
      port,
      database,
      user,
      secrets: env['PGPASSWORD'] ? [env['PGPASSWORD']] : [],
      display: `postgres://${encodeURIComponent(user)}${env['PGPASSWORD'] ? ':***' : ''}@${host}:${port}/${encodeURIComponent(database)}`,
    });
  }
  return null;
}

export function clientConfig(t: TargetSettings): pg.ClientConfig {
  return t.connectionString
    ? { connectionString: t.connectionString, application_name: 'sqlite2pg' }
    : { application_name: 'sqlite2pg' };
}

/** Connect one client, turning the usual failures into one clear paragraph (exit 5). */
export async function connectTarget(t: TargetSettings): Promise<pg.Client> {
  const client = new pg.Client({ ...clientConfig(t), connectionTimeoutMillis: 15_000 });
  // A connection that dies (backend terminated, network gone) emits 'error' on the client; the
  // query or COPY in flight rejects with it and is reported there. Without a listener Node crashes.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { code?: string };
    const where = `${t.display}`;
    const code = err.code ?? '';
    const byCode: Record<string, [string, string]> = {
      ECONNREFUSED: [`Cannot connect to PostgreSQL at ${t.host}:${t.port}: connection refused.`, 'Is the server running and listening on that host and port?'],
      ENOTFOUND: [`Cannot connect to PostgreSQL: host ${t.host} not found.`, 'Check the host name in the target URL.'],
      ETIMEDOUT: [`Cannot connect to PostgreSQL at ${t.host}:${t.port}: timed out.`, 'Check the host, port and any firewall.'],
      '28P01': [`PostgreSQL rejected the password for user ${t.user} (${where}).`, 'Check the user and password in the target URL or PGPASSWORD.'],
      '28000': [`PostgreSQL refused user ${t.user} (${where}): ${redactText(err.message, t.secrets)}.`, 'Check pg_hba.conf and the user name.'],
      '3D000': [`Database ${t.database} does not exist on ${t.host}:${t.port}.`, `Create it first (createdb ${t.database}) or name an existing database in the target URL.`],
    };
    const known = byCode[code] ?? (/timeout/i.test(err.message) ? byCode['ETIMEDOUT'] : undefined);
    await client.end().catch(() => undefined);
    if (known) throw new LoadError('E_TARGET_CONNECT', known[0], { cause: e, hint: known[1] });
    throw new LoadError('E_TARGET_CONNECT', `Cannot connect to PostgreSQL (${where}): ${redactText(err.message, t.secrets)}`, { cause: e, hint: 'Check the target URL.' });
  }
  return client;
}
