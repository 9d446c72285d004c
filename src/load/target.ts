/**
 * Target connection settings, resolved once: --target flag → DATABASE_URL → libpq PG* variables
 * → the embedded default. Frozen; the password never leaves this object except to the driver.
 */
import pg from 'pg';
import { LoadError, UsageError } from '../errors.js';
import { quoteIdent } from '../plan/identifiers.js';

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

/**
 * Redact a postgres:// URL that the URL parser rejects (or that it would split wrongly): a
 * password holding an unencoded `@ : / ? # %` or a space breaks the userinfo apart, so hide
 * everything between `//` and the LAST `@` (user name included: we cannot tell where it ends).
 */
function redactRawUrl(url: string): string {
  const slashes = url.indexOf('//');
  const at = url.lastIndexOf('@');
  const start = slashes < 0 ? 0 : slashes + 2;
  const out = at >= start ? `${url.slice(0, start)}***${url.slice(at)}` : url;
  return out.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** Whether a URL's userinfo is ambiguous: an `@` after the authority, so the parser split it elsewhere. */
function ambiguousUserinfo(url: string): boolean {
  const slashes = url.indexOf('//');
  if (slashes < 0) return false;
  const rest = url.slice(slashes + 2);
  const end = rest.search(/[/?#]/);
  return end >= 0 && rest.slice(end).includes('@');
}

/** Replace the password of a postgres:// URL by ***; leave anything else alone. */
export function redactUrl(url: string): string {
  if (ambiguousUserinfo(url)) return redactRawUrl(url);
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    const q = u.searchParams;
    if (q.has('password')) q.set('password', '***');
    return u.toString();
  } catch {
    return redactRawUrl(url);
  }
}

/** Replace every secret (and any password inside a postgres URL) in a text. */
export function redactText(text: string, secrets: readonly string[]): string {
  // Within one run of non-blanks, up to its LAST '@': a password may hold '@', ':' or '/'.
  let out = text.replace(/(postgres(?:ql)?:\/\/)(\S*)@/gi, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    // user:password with nothing odd in the user name: keep the user, as redactUrl does.
    return colon >= 0 && !/[@/]/.test(userinfo.slice(0, colon)) ? `${scheme}${userinfo.slice(0, colon)}:***@` : `${scheme}***@`;
  });
  for (const s of secrets) {
    if (s.length >= 3) {
      out = out.split(s).join('***');
      const enc = encodeURIComponent(s);
      if (enc !== s) out = out.split(enc).join('***');
    }
  }
  return out;
}

const URL_HINT = 'Use postgres://user:password@host:5432/database, with @ : / ? # % and spaces in the password percent-encoded (@ is %40, / is %2F, % is %25).';

export function targetFromUrl(url: string, source: TargetSettings['source']): TargetSettings {
  let u: URL;
  try {
    if (ambiguousUserinfo(url)) throw new Error('ambiguous userinfo');
    u = new URL(url);
  } catch {
    throw new UsageError(`The target "${redactRawUrl(url)}" is not a valid URL.`, { hint: URL_HINT });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UsageError(`The target must be a postgres:// URL, not ${u.protocol}//...`, { hint: 'Use postgres://user:password@host:5432/database' });
  }
  let parts: { password: string; host: string; database: string; user: string };
  try {
    parts = {
      password: decodeURIComponent(u.password),
      host: decodeURIComponent(u.hostname),
      database: decodeURIComponent(u.pathname.slice(1)),
      user: decodeURIComponent(u.username),
    };
  } catch {
    // A '%' not followed by two hex digits: the driver could not decode it either.
    throw new UsageError(`The target "${redactRawUrl(url)}" is not a valid URL: it holds a % that is not percent-encoded.`, { hint: URL_HINT });
  }
  const queryPassword = u.searchParams.get('password');
  return Object.freeze({
    source,
    connectionString: url,
    host: parts.host || u.searchParams.get('host') || 'localhost',
    port: u.port ? Number(u.port) : 5432,
    database: parts.database || parts.user || 'postgres',
    user: parts.user || process.env['USER'] || 'postgres',
    secrets: [parts.password, queryPassword ?? ''].filter((s) => s.length > 0),
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

/**
 * Session settings pinned on every connection sqlite2pg opens, because they change what the SQL
 * and data we send mean (or what the text we read back looks like), and a database or role may
 * set any of them (`ALTER DATABASE … SET`, `ALTER ROLE … SET`, postgresql.conf). They travel in
 * the startup packet's `options` (`-c name=value`, no round trip), which outranks every one of
 * those sources; `SET LOCAL` inside a transaction (the cutover's lock_timeout) still overrides
 * them for that transaction, and `RESET` returns to these values, not to the database's.
 * https://www.postgresql.org/docs/current/config-setting.html#CONFIG-SETTING-SHELL
 * https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-OPTIONS
 *
 * Pinned (value, and why):
 * - standard_conforming_strings=on: off makes `\` an escape in '…' literals, so a DEFAULT
 *   'C:\temp\new' becomes C:<TAB>emp<LF>ew in the DDL. Our literals are standard ('' doubled).
 * - client_encoding=UTF8: node-pg encodes and decodes UTF-8 only; a database set to LATIN1
 *   would turn 'café' into 'cafÃ©' in COPY data and DDL alike.
 * - search_path=pg_catalog,public,pg_temp: pg_catalog first so no schema shadows a built-in
 *   (lower(), length(), =) in CHECKs, index expressions, defaults and the checksum queries;
 *   public next for extension types a mapping names (citext); pg_temp last, never first. Every
 *   relation we touch is schema-qualified; views set their own path while they are created.
 * - DateStyle=ISO,MDY and IntervalStyle=postgres: the input reading of date/interval literals
 *   in DDL and the text of anything we read back (reports, orphan samples) as on a default server.
 * - TimeZone=UTC: a timestamptz literal in a DEFAULT or CHECK is resolved to an instant when the
 *   DDL runs, in the session's zone; SQLite's naive times are UTC.
 * - extra_float_digits=1: float8 text we read back is the shortest exact form (−3 rounds it).
 *   The checksums never depend on it (float8send bits).
 * - bytea_output=hex: bytea text we read back (escape is ambiguous to read); checksums use encode().
 * - timezone_abbreviations=Default, xmloption=content, array_nulls=on, transform_null_equals=off:
 *   how literals and expressions in the DDL are read (`x = NULL` stays NULL, as in SQLite).
 * - quote_all_identifiers=off: pg_get_expr/pg_get_viewdef text we compare and report.
 * - check_function_bodies=on: a translated trigger function that does not compile fails the
 *   load, not the application's first UPDATE.
 * - default_table_access_method=heap: the tables are built, verified (TID range scans) and
 *   swapped as heap tables; a dry run must test what the cutover publishes.
 * - default_transaction_isolation=read committed: the journal, swap and verify were written for
 *   it (a serializable default would make the cutover fail on serialization errors).
 * - statement_timeout=0, idle_in_transaction_session_timeout=0: a COPY, an index build or a
 *   checksum of a big table is long by nature; a database limit meant for the application would
 *   fail every run of a big database. (idle_session_timeout, PostgreSQL 14+, and
 *   transaction_timeout, 17+, are set to 0 right after connecting, where the server knows them:
 *   the target-lock connection stays idle for the whole run holding its advisory lock.)
 *
 * Not pinned, and why:
 * - default_transaction_read_only (and a standby's transaction_read_only): a database or role
 *   made read-only is a decision of its owner; checkTargetWritable refuses with the setting and
 *   the command to change it, instead of overriding it.
 * - backslash_quote: only matters for E'…' strings or with standard_conforming_strings off;
 *   we send neither.
 * - lock_timeout: a limit that protects the application from queueing behind our DDL; hitting it
 *   fails a step cleanly (exit 5, live unchanged), and the cutover sets its own with SET LOCAL.
 * - session_replication_role: superuser-only (a pin would refuse every other role); the load
 *   does not rely on triggers firing, and FK validation is a query, not a trigger.
 * - lc_messages: superuser-only; we branch on SQLSTATEs, never on message text.
 * - synchronous_commit, work_mem, maintenance_work_mem, default_tablespace, temp_tablespaces,
 *   role: durability, performance and placement are the DBA's; none changes a value.
 * - row_security: our tables have no policies; client_min_messages: notices only.
 * - Settings written in the target URL itself (`?options=-c…`, `?statement_timeout=…`) or
 *   PGOPTIONS are the user's: they are sent too, before the pins (so a pin wins over `-c`).
 */
export const PINNED_SETTINGS: readonly (readonly [name: string, value: string])[] = Object.freeze([
  ['standard_conforming_strings', 'on'],
  ['client_encoding', 'UTF8'],
  ['search_path', 'pg_catalog,public,pg_temp'],
  ['DateStyle', 'ISO,MDY'],
  ['IntervalStyle', 'postgres'],
  ['TimeZone', 'UTC'],
  ['extra_float_digits', '1'],
  ['bytea_output', 'hex'],
  ['timezone_abbreviations', 'Default'],
  ['xmloption', 'content'],
  ['array_nulls', 'on'],
  ['transform_null_equals', 'off'],
  ['quote_all_identifiers', 'off'],
  ['check_function_bodies', 'on'],
  ['default_table_access_method', 'heap'],
  ['default_transaction_isolation', 'read committed'],
  ['statement_timeout', '0'],
  ['idle_in_transaction_session_timeout', '0'],
] as const);

/** Timeouts that only exist in newer servers: an unknown name in the startup packet is fatal. */
const VERSIONED_TIMEOUTS = ['idle_session_timeout', 'transaction_timeout'];

/** The startup `options` string: the user's own first (URL or PGOPTIONS), then our pins. Spaces escaped with `\`. */
export function sessionOptions(userOptions: string | null): string {
  const pins = PINNED_SETTINGS.map(([k, v]) => `-c ${k}=${v.replace(/[\\ ]/g, (c) => `\\${c}`)}`);
  return [...(userOptions ? [userOptions] : []), ...pins].join(' ');
}

export function clientConfig(t: TargetSettings): pg.ClientConfig {
  if (!t.connectionString) return { application_name: 'sqlite2pg', options: sessionOptions(process.env['PGOPTIONS'] ?? null) };
  // The driver lets a URL's own `options` replace ours: take it out of the URL and send it first.
  let connectionString = t.connectionString;
  let userOptions = process.env['PGOPTIONS'] ?? null;
  if (/[?&]options=/.test(connectionString)) {
    const u = new URL(connectionString);
    userOptions = u.searchParams.get('options');
    u.searchParams.delete('options');
    connectionString = u.toString();
  }
  return { connectionString, application_name: 'sqlite2pg', options: sessionOptions(userOptions) };
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
  try {
    // pg_settings lists only the names this server knows; set_config is not reached for the others.
    await client.query(`SELECT set_config(name, '0', false) FROM pg_catalog.pg_settings WHERE name = ANY($1)`, [VERSIONED_TIMEOUTS]);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw targetError(e) ?? e;
  }
  return client;
}

/**
 * A PostgreSQL error that says something about the target, not about sqlite2pg, as the LoadError
 * (exit 5) it is: read-only transaction, missing privilege, disk full, server shutting down,
 * a timeout or cancel by the DBA, a lost connection. Null for anything else (a bug stays exit 1).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function targetError(e: unknown): LoadError | null {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (!err || typeof err.code !== 'string' || typeof err.message !== 'string') return null;
  const code = err.code;
  const message = err.message;
  if (code === '25006') {
    return new LoadError('E_TARGET_READ_ONLY', `The target refused a write: ${message} (the database, the role or the server is read-only).`, {
      cause: e,
      hint: 'Connect to the primary, or turn default_transaction_read_only off for this database or role (ALTER DATABASE … SET default_transaction_read_only = off). The live schema is unchanged.',
    });
  }
  if (code === '42501') {
    return new LoadError('E_TARGET_PRIVILEGE', `The target role lacks a privilege: ${message}.`, {
      cause: e,
      hint: 'Grant it (e.g. GRANT CREATE ON DATABASE … TO …, GRANT CREATE ON SCHEMA … TO …) or run as the owner of the database and schema. The live schema is unchanged.',
    });
  }
  if (code.startsWith('53')) {
    return new LoadError('E_TARGET_RESOURCES', `The target ran out of resources: ${message}.`, { cause: e, hint: 'Free disk space or memory on the PostgreSQL server (or raise max_connections), then run again; the live schema is unchanged.' });
  }
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') {
    return new LoadError('E_TARGET_CONNECTION', `The connection to the target was lost: ${message}.`, { cause: e, hint: 'Run again when the server is back (--resume keeps the tables already loaded); the live schema is unchanged.' });
  }
  if (code === '57014' || code === '55P03' || code === '40001' || code === '40P01' || code === '25P03') {
    return new LoadError('E_TARGET_CONFLICT', `The target cancelled a statement: ${message}.`, { cause: e, hint: 'Another session held a lock, a deadlock or serialization conflict occurred, or an administrator cancelled it; run again (the live schema is unchanged).' });
  }
  return null;
}

/** What checkTargetWritable reads, in one query. */
interface WritableFacts {
  standby: boolean;
  read_only: string;
  read_only_source: string;
  user: string;
  database: string;
  db_create: boolean;
  schema_exists: boolean;
  schema_create: boolean | null;
  schema_usage: boolean | null;
  journal_exists: boolean;
  journal_create: boolean | null;
  journal_usage: boolean | null;
}

/**
 * Before anything is written: can this role write what a run writes? A standby or a read-only
 * default, CREATE on the database (staging schema, journal), CREATE and USAGE on the live schema
 * (the cutover moves tables into it) and on the journal schema when it exists. Every missing
 * privilege is listed with the GRANT that gives it. Throws LoadError (exit 5).
 */
export async function checkTargetWritable(client: pg.ClientBase, schema: string, journalSchema: string): Promise<void> {
  const r = await client.query<WritableFacts>(
    `SELECT pg_catalog.pg_is_in_recovery() AS standby,
            pg_catalog.current_setting('default_transaction_read_only') AS read_only,
            (SELECT source FROM pg_catalog.pg_settings WHERE name = 'default_transaction_read_only') AS read_only_source,
            current_user::text AS user, current_database()::text AS database,
            pg_catalog.has_database_privilege(current_database(), 'CREATE') AS db_create,
            s.oid IS NOT NULL AS schema_exists,
            pg_catalog.has_schema_privilege(s.oid, 'CREATE') AS schema_create,
            pg_catalog.has_schema_privilege(s.oid, 'USAGE') AS schema_usage,
            j.oid IS NOT NULL AS journal_exists,
            pg_catalog.has_schema_privilege(j.oid, 'CREATE') AS journal_create,
            pg_catalog.has_schema_privilege(j.oid, 'USAGE') AS journal_usage
     FROM (SELECT 1) one
     LEFT JOIN pg_catalog.pg_namespace s ON s.nspname = $1
     LEFT JOIN pg_catalog.pg_namespace j ON j.nspname = $2`,
    [schema, journalSchema],
  );
  const f = r.rows[0]!;
  const db = quoteIdent(f.database);
  const role = quoteIdent(f.user);
  if (f.standby) {
    throw new LoadError('E_TARGET_READ_ONLY', `The target ${f.database} is a read-only standby (the server is in recovery): sqlite2pg must write to it.`, { hint: 'Point --target at the primary server. Nothing was changed.' });
  }
  if (f.read_only === 'on') {
    const where =
      f.read_only_source === 'database' ? `ALTER DATABASE ${db} SET default_transaction_read_only = off`
      : f.read_only_source === 'user' ? `ALTER ROLE ${role} SET default_transaction_read_only = off`
      : f.read_only_source === 'database user' ? `ALTER ROLE ${role} IN DATABASE ${db} SET default_transaction_read_only = off`
      : `set default_transaction_read_only = off where it is set (${f.read_only_source})`;
    throw new LoadError('E_TARGET_READ_ONLY', `The target ${f.database} is read-only for ${f.user}: default_transaction_read_only is on (set by ${f.read_only_source}).`, {
      hint: `If writing here is intended, ${where}; or use a role or database that may write. Nothing was changed.`,
    });
  }
  // What is missing, and the GRANT that gives it: both in the message and the hint, because a
  // run's report keeps the message and the hint (not a problem list).
  const missing: [what: string, grant: string][] = [];
  if (!f.db_create) missing.push([`CREATE on database ${f.database} (for the staging schema and the ${journalSchema} journal)`, `GRANT CREATE ON DATABASE ${db} TO ${role};`]);
  if (f.schema_exists && !f.schema_create) missing.push([`CREATE on schema ${schema} (the cutover moves the new tables into it)`, `GRANT CREATE ON SCHEMA ${quoteIdent(schema)} TO ${role};`]);
  if (f.schema_exists && !f.schema_usage) missing.push([`USAGE on schema ${schema}`, `GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${role};`]);
  if (f.journal_exists && (!f.journal_create || !f.journal_usage)) missing.push([`CREATE and USAGE on schema ${journalSchema} (the run journal, created by another role)`, `GRANT USAGE, CREATE ON SCHEMA ${quoteIdent(journalSchema)} TO ${role}; (and ALL on its tables)`]);
  if (missing.length) {
    throw new LoadError('E_TARGET_PRIVILEGE', `Role ${f.user} lacks ${missing.length === 1 ? 'a privilege' : `${missing.length} privileges`} sqlite2pg needs in ${f.database}: ${missing.map(([w]) => w).join('; ')}.`, {
      problems: missing.map(([w, g]) => `${w}: ${g}`),
      hint: `As the owner of the database (or a superuser) run: ${missing.map(([, g]) => g).join(' ')} Or migrate as the owner. Nothing was changed.`,
    });
  }
}
