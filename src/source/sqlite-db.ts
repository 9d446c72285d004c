/**
 * Opening the SQLite source. This folder is the only importer of better-sqlite3.
 * The source is opened read-only and never modified.
 */
import { open, stat } from 'node:fs/promises';
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
  const header = Buffer.alloc(16);
  try {
    const fh = await open(path, 'r');
    try {
      await fh.read(header, 0, 16, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new SourceError('E_SOURCE_UNREADABLE', `Source ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`, { cause: e, hint: 'Check the file permissions.' });
  }
  if (!header.equals(SQLITE_MAGIC)) {
    throw new SourceError('E_SOURCE_NOT_SQLITE', `Source ${path} is not a SQLite 3 database (its header is not "SQLite format 3").`, {
      hint: size === 0 ? 'The file is empty.' : 'Pass the database file itself, not a dump or an archive (for a .sql dump: sqlite3 new.db < dump.sql).',
    });
  }
  return { sizeBytes: size };
}

/** A read-only handle. Each concurrent reader gets its own: an open iterator makes a connection busy. */
export function openSqlite(path: string): SqliteDb {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    // Integers arrive as BigInt so values beyond 2^53 are exact (https://github.com/WiseLibs/better-sqlite3/blob/master/docs/integer.md).
    db.defaultSafeIntegers(true);
    return db;
  } catch (e) {
    throw new SourceError('E_SOURCE_OPEN', `Cannot open ${path} as SQLite: ${(e as Error).message}`, { cause: e, hint: 'Is it a SQLite 3 database, and readable?' });
  }
}
