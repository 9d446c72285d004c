/** Shared pieces of the online tests: a WAL fixture, the writer process, and SQLite helpers. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ROOT } from '../../support/cli.js';
import { sqliteFromSql } from '../../support/fixtures.js';

export const WRITER = join(ROOT, 'test', 'e2e', 'online', 'writer.mjs');

/** A database in WAL mode with the shapes capture must get right. */
export const ONLINE_SQL = `
PRAGMA journal_mode = WAL;
CREATE TABLE items (id INTEGER PRIMARY KEY, email TEXT UNIQUE, n INTEGER, note TEXT);
CREATE TABLE tags (item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE, tag TEXT NOT NULL, PRIMARY KEY (item_id, tag)) WITHOUT ROWID;
CREATE TABLE codes (code TEXT PRIMARY KEY, label TEXT UNIQUE ON CONFLICT REPLACE, qty INTEGER);
CREATE TABLE bulk (id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO items (email, n, note) SELECT 'e' || x || '@x', x, 'note ' || x FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500) SELECT x FROM c);
INSERT INTO tags SELECT id, 't' || (id % 3) FROM items WHERE id <= 100;
INSERT INTO codes VALUES ('A', 'alpha', 1), ('B', 'beta', 2), ('C', 'gamma', 3);
INSERT INTO bulk (v) SELECT hex(randomblob(20)) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) SELECT x FROM c);
`;

export function onlineDb(dir: string, name = 'app'): string {
  return sqliteFromSql(dir, name, ONLINE_SQL);
}

/** Run SQL in another OS process (its own connection), foreign keys on as the application has them. */
export function writeFromOtherProcess(path: string, sql: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [WRITER, path, 'exec', `PRAGMA foreign_keys = ON; ${sql}`], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

export function steadyWriter(path: string, rate = 200): { child: ChildProcess; done: Promise<string> } {
  const child = spawn(process.execPath, [WRITER, path, 'steady', String(rate)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<string>((res) => child.on('close', () => res(out)));
  return { child, done };
}

export function sqliteObjects(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT type || ' ' || name AS x FROM sqlite_schema WHERE name LIKE '%sqlite2pg%' ORDER BY 1`).all() as { x: string }[]).map((r) => r.x);
  } finally {
    db.close();
  }
}

export function sqliteRows(path: string, sql: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
