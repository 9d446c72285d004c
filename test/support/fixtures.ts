/** SQLite fixtures are SQL scripts, turned into database files at test time. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ROOT } from './cli.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `sqlite2pg-${prefix}-`));
}

/** Build a database from SQL text into `dir`; returns its path. */
export function sqliteFromSql(dir: string, name: string, sql: string): string {
  const path = join(dir, `${name}.db`);
  const db = new Database(path);
  db.exec(sql);
  db.close();
  return path;
}

/** Build `test/fixtures/<name>.sql` into `dir`. */
export function fixtureDb(dir: string, name: string): string {
  return sqliteFromSql(dir, name, readFileSync(join(ROOT, 'test', 'fixtures', `${name}.sql`), 'utf8'));
}

/** An empty mappings directory under `dir` (a --mappings directory must exist): the built-in defaults apply. */
export function noMappings(dir: string): string {
  const path = join(dir, 'no-mappings');
  mkdirSync(path, { recursive: true });
  return path;
}

/** Whether this machine lets the tests mount a small tmpfs (full-disk and read-only-mount cases). */
export function canMount(): boolean {
  const dir = tempDir('mount-probe');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A small source as a live application leaves it: pages it freed (a snapshot by VACUUM INTO leaves
 * them out, so the snapshot's bytes never equal the source's) and two tables of rows.
 */
export const SOURCE_WITH_FREED_PAGES = `
CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE other (id INTEGER PRIMARY KEY, v INTEGER);
INSERT INTO items (note) SELECT 'note ' || x FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200) SELECT x FROM c);
INSERT INTO other (v) VALUES (1), (2), (3);
-- Pages the application freed: a snapshot by VACUUM INTO leaves them out.
CREATE TABLE gone (b BLOB);
INSERT INTO gone SELECT randomblob(3000) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) SELECT x FROM c);
DROP TABLE gone;
`;
