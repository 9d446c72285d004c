/**
 * Opening the SQLite source. This folder is the only importer of better-sqlite3.
 * The source is opened read-only and never modified.
 */
import { accessSync, constants, existsSync, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SourceError } from '../errors.js';

export type SqliteDb = Database.Database;

/** https://www.sqlite.org/fileformat.html#the_database_header */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

/** Check that `path` is a readable SQLite database; return its size. One clear error per problem. */
export async function checkSqliteFile(path: string): Promise<{ sizeBytes: number }> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new SourceError('E_SOURCE_NOT_FILE', `Source ${path} is not a file.`, { hint: 'Pass the path of a SQLite database file.' });
    size = s.size;
  } catch (e) {
    if (e instanceof SourceError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SourceError('E_SOURCE_MISSING', `Source ${path} does not exist.`, { hint: 'Check the path (it is relative to the current directory).' });
    throw new SourceError('E_SOURCE_UNREADABLE', `Source ${path} cannot be read (${code ?? String(e)}).`, { cause: e, hint: 'Check the file permissions.' });
  }
  const header = Buffer.alloc(100);
  try {
    const fh = await open(path, 'r');
    try {
      await fh.read(header, 0, 100, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new SourceError('E_SOURCE_UNREADABLE', `Source ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`, { cause: e, hint: 'Check the file permissions.' });
  }
  if (!header.subarray(0, 16).equals(SQLITE_MAGIC)) {
    throw new SourceError('E_SOURCE_NOT_SQLITE', `Source ${path} is not a SQLite 3 database (its header is not "SQLite format 3").`, {
      hint: size === 0 ? 'The file is empty.' : 'Pass the database file itself, not a dump or an archive (for a .sql dump: sqlite3 new.db < dump.sql).',
    });
  }
  const truncated = truncation(path, header, size);
  if (truncated) throw truncated;
  return { sizeBytes: size };
}

/**
 * A file shorter than its header says: the in-header database size (offset 28, valid when the
 * version-valid-for number at 92 equals the change counter at 24) times the page size (offset
 * 16; 1 means 65536). Not judged when a -wal file is present: the header then lags behind.
 * https://www.sqlite.org/fileformat.html#in_header_database_size
 */
function truncation(path: string, header: Buffer, size: number): SourceError | null {
  if (size < 100 || existsSync(`${path}-wal`)) return size < 100 && size > 0 ? truncatedError(path, size, 100) : null;
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const pages = header.readUInt32BE(28);
  if (pages === 0 || header.readUInt32BE(24) !== header.readUInt32BE(92)) return null;
  const expected = pages * pageSize;
  return size < expected ? truncatedError(path, size, expected) : null;
}

function truncatedError(path: string, size: number, expected: number): SourceError {
  return new SourceError('E_SOURCE_TRUNCATED', `Source ${path} is truncated: it has ${size} bytes, its header says ${expected}.`, {
    hint: 'The file was cut short (an interrupted copy or download, a full disk): copy it again from the original, or restore it from a backup.',
  });
}

/** The SQLite error in an error or among its causes (better-sqlite3 puts the result code in `code`). */
function sqliteCause(e: unknown): { code: string; message: string } | null {
  for (let x = e as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; x && depth < 5; x = x.cause as typeof x, depth++) {
    if (typeof x.code === 'string' && x.code.startsWith('SQLITE_')) return { code: x.code, message: String(x.message) };
  }
  return null;
}

/** The SQLite result code of an error or of one of its causes. */
export function sqliteErrorCode(e: unknown): string | null {
  return sqliteCause(e)?.code ?? null;
}

/** SQLITE_CORRUPT (any extended code) or SQLITE_NOTADB: the file's pages are damaged. */
export function isSqliteCorruption(e: unknown): boolean {
  const code = sqliteErrorCode(e);
  return code !== null && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/**
 * Who holds a POSIX lock on `path`, from /proc/locks (Linux; SQLite locks with fcntl): "pid 123
 * (node)", or null when it cannot tell cheaply. https://man7.org/linux/man-pages/man5/proc.5.html
 */
export function lockHolder(path: string): string | null {
  try {
    const ino = statSync(path).ino;
    const pids = new Set<string>();
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      // "1: POSIX  ADVISORY  WRITE 12723 fe:00:2158766 1073741824 1073742335"
      if (f.length >= 6 && f[1] === 'POSIX' && f[5]!.split(':')[2] === String(ino) && f[4] !== String(process.pid)) pids.add(f[4]!);
    }
    if (pids.size === 0) return null;
    return [...pids].map((pid) => {
      let comm = '';
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        /* gone, or not ours to read */
      }
      return comm ? `pid ${pid} (${comm})` : `pid ${pid}`;
    }).join(', ');
  } catch {
    return null;
  }
}

function isWalFile(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const b = Buffer.alloc(20);
      readSync(fd, b, 0, 20, 0);
      // File format write/read version 2 = WAL. https://www.sqlite.org/fileformat.html#file_format_version_numbers
      return b[18] === 2;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A SQLite error met while opening or reading the source (or its snapshot), as the SourceError
 * that says what it is: locked by a running application, a hot journal needing recovery, a WAL
 * database in a directory SQLite cannot write its -shm file into, truncated, corrupt. Null for
 * an error that is none of these (the caller keeps its own message).
 */
export function explainSqliteError(e: unknown, path: string, table?: string): SourceError | null {
  // A SourceError wrapping a driver error (e.g. "Cannot read the schema of …") is explained by its cause when it can be.
  if (e instanceof SourceError) return (e.cause !== undefined && e.cause !== e ? explainSqliteError(e.cause, path, table) : null) ?? e;
  const cause = sqliteCause(e);
  if (cause === null) return null;
  const { code, message: msg } = cause;
  const where = table === undefined ? '' : ` while reading table ${table}`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    const who = lockHolder(path);
    return new SourceError('E_SOURCE_LOCKED', `Source ${path} is locked by another process${who ? `: ${who}` : ''} (${msg})${where}.`, {
      cause: e,
      hint: 'The application is still running (or a sqlite3 shell holds a transaction open): stop it, or wait for its write to finish, then run again.',
    });
  }
  if (code === 'SQLITE_READONLY_ROLLBACK' || (existsSync(`${path}-journal`) && code.startsWith('SQLITE_READONLY'))) {
    return new SourceError('E_SOURCE_HOT_JOURNAL', `Source ${path} has a hot rollback journal (${basename(path)}-journal): a writer stopped in the middle of a transaction and the database needs recovery, which a read-only reader cannot do.`, {
      cause: e,
      hint: `Open it once with the application or sqlite3 (sqlite3 ${path} "PRAGMA quick_check;") so SQLite rolls the journal back, then run again. Never delete the -journal file.`,
    });
  }
  if ((code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) && isWalFile(path) && !writable(dirname(path))) {
    return new SourceError('E_SOURCE_WAL_READONLY', `Source ${path} is a WAL database in a directory that cannot be written (${dirname(path)}): SQLite must create ${basename(path)}-shm next to it to read it.`, {
      cause: e,
      hint: `Make the directory writable for this run, or copy ${basename(path)} together with its -wal file into a writable directory and migrate the copy.`,
    });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new SourceError('E_SOURCE_CORRUPT', `Source ${path} is corrupt${where}: ${msg}.`, {
      cause: e,
      hint: `Nothing was cut over. Restore it from a backup, or recover what SQLite can read (sqlite3 ${path} ".recover" | sqlite3 recovered.db), check that, and migrate the recovered file.`,
    });
  }
  return null;
}

/**
 * `PRAGMA quick_check` (https://www.sqlite.org/pragma.html#pragma_quick_check): b-tree structure,
 * page and cell bounds, rowid order, NOT NULL; not index contents (integrity_check's extra, much
 * slower part). The problems it lists (at most `max`), or [] when it says ok.
 */
export function quickCheck(path: string, max = 20): string[] {
  const db = openSqlite(path);
  try {
    const rows = db.prepare(`PRAGMA quick_check(${Math.max(1, Math.floor(max))})`).pluck().all() as string[];
    if (rows.length === 1 && rows[0] === 'ok') return [];
    // One row may hold several lines, headed "*** in database main ***".
    return rows.flatMap((r) => r.split('\n')).filter((l) => l.trim() !== '' && !/^\*\*\* in database /.test(l)).slice(0, max);
  } catch (e) {
    throw explainSqliteError(e, path) ?? new SourceError('E_SOURCE_READ', `Cannot read ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    db.close();
  }
}

/** A read-only handle. Each concurrent reader gets its own: an open iterator makes a connection busy. */
export function openSqlite(path: string): SqliteDb {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    // Integers arrive as BigInt so values beyond 2^53 are exact (https://github.com/WiseLibs/better-sqlite3/blob/master/docs/integer.md).
    db.defaultSafeIntegers(true);
    return db;
  } catch (e) {
    throw explainSqliteError(e, path) ?? new SourceError('E_SOURCE_OPEN', `Cannot open ${path} as SQLite: ${(e as Error).message}`, { cause: e, hint: 'Is it a SQLite 3 database, and readable?' });
  }
}

/**
 * A read-write handle on the live source, for the two stages that write to it: change capture
 * (online mode's triggers) and fallback's write-back. `busyMs`: how long a write waits for the
 * application's lock. `why` completes the error: "Cannot open app.db for writing (<why>)".
 */
export function openSqliteWritable(path: string, busyMs: number, why: string): SqliteDb {
  let db: SqliteDb;
  try {
    db = new Database(path, { fileMustExist: true, timeout: busyMs });
  } catch (e) {
    throw explainSqliteError(e, path) ?? new SourceError('E_SOURCE_OPEN', `Cannot open ${path} for writing (${why}): ${(e as Error).message}`, {
      cause: e,
      hint: 'Run sqlite2pg as a user that can write the file and its directory (SQLite creates the -wal and -shm files there).',
    });
  }
  db.defaultSafeIntegers(true);
  return db;
}
