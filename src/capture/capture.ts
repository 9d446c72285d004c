/**
 * Change capture in the source file: install (one BEGIN IMMEDIATE), check (each round, and
 * inside the cutover's write lock), read the changelog, fence and remove. This stage writes to
 * app.db, and only these objects: the `_sqlite2pg_*` tables and triggers.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Catalog } from '../model/catalog.js';
import { SourceError, UsageError } from '../errors.js';
import { sqliteIdent } from '../source/introspect-sqlite.js';
import { openSqliteWritable, type SqliteDb } from '../source/sqlite-db.js';
import { CaptureError } from './capture-error.js';
import { CAPTURE_TRIGGER_PREFIX, CHANGES_DDL, CHANGES_TABLE, FENCE_TRIGGER_PREFIX, STATE_TABLE, captureTriggers, fenceTriggers, sqlText, type CaptureTable } from './capture-sql.js';

/** How long our writes to app.db wait for the application's write lock. */
export const BUSY_TIMEOUT_MS = 5000;

/** A read-write handle on the live source, for capture only. */
export function openLiveWritable(path: string): SqliteDb {
  return openSqliteWritable(path, BUSY_TIMEOUT_MS, 'online mode installs change-capture triggers in it');
}

/**
 * Pre-flight of online mode, changing nothing: app.db is in WAL mode and can take capture (its
 * mode allows writing, SQLite opens it read-write with its -wal/-shm beside it, and a write
 * transaction can start; it is rolled back at once). A read-only file or directory is exit 4.
 */
export function checkCaptureWritable(path: string): void {
  // No cause: explainSqliteError would turn it back into a message about migrate's read-only reads.
  const readOnly = (why: string, _cause?: unknown): SourceError =>
    new SourceError('E_SOURCE_READONLY', `Cannot install change capture in ${path}: ${why}. Online migration adds triggers and a changelog table to it.`, {
      hint: `Run sync as a user that can write ${path} and its directory ${dirname(path)} (SQLite keeps the -wal and -shm files there), or migrate offline with sqlite2pg migrate, which only reads it. Nothing was changed.`,
    });
  const mode = statSync(path).mode;
  if ((mode & 0o222) === 0) throw readOnly(`the file is read-only (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`);
  let db: SqliteDb;
  try {
    db = openLiveWritable(path);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'E_SOURCE_LOCKED') throw e;
    throw readOnly(`it cannot be opened for writing (${(e as Error).message})`, e);
  }
  try {
    // The first read opens the -wal and -shm files; a write transaction needs the file writable.
    requireWal(db, path);
    db.exec('BEGIN IMMEDIATE');
  } catch (e) {
    db.close();
    const code = String((e as { code?: unknown }).code ?? '');
    if (e instanceof UsageError || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw e;
    throw readOnly(`SQLite cannot write it or create its -wal/-shm files beside it (${code || (e as Error).message})`, e);
  }
  try {
    db.exec('ROLLBACK');
  } finally {
    db.close();
  }
}

/** Online mode reads the live file while the application writes: only WAL allows both. */
export function requireWal(db: SqliteDb, path: string): void {
  const mode = String(db.pragma('journal_mode', { simple: true }));
  if (mode.toLowerCase() !== 'wal') {
    throw new UsageError(`${path} is in journal_mode=${mode}; online migration needs WAL, where readers never block the application's writers (with a rollback journal our reads would stall its writes).`, {
      hint: `Switch once, while the application is idle: sqlite3 ${path} 'PRAGMA journal_mode=WAL;' (persistent; the application then also keeps ${path}-wal and -shm files beside it, needs write access to the directory, and must not use the file over a network filesystem). Or migrate offline with sqlite2pg migrate.`,
    });
  }
}

/** The key a table is captured on: its declared primary key. */
export function captureTables(catalog: Catalog): { tables: CaptureTable[]; unkeyed: { name: string; rows: number }[]; warnings: string[] } {
  const tables: CaptureTable[] = [];
  const unkeyed: { name: string; rows: number }[] = [];
  const warnings: string[] = [];
  for (const t of catalog.tables) {
    if (t.name.startsWith('_sqlite2pg_')) continue;
    if (!t.primaryKey) {
      unkeyed.push({ name: t.name, rows: t.rowCount });
      continue;
    }
    const uniques: CaptureTable['uniques'][number][] = [];
    for (const ix of t.indexes) {
      if (!ix.unique || ix.origin === 'pk') continue;
      if (ix.parts.some((p) => p.kind !== 'column')) {
        warnings.push(`${t.name}: unique index ${ix.name} is on an expression; a REPLACE that conflicts only on it is captured by the table's key alone`);
        continue;
      }
      uniques.push(ix.parts.map((p) => ({ column: (p as { name: string }).name, collation: (p as { collation: string | null }).collation })));
    }
    tables.push({ name: t.name, key: t.primaryKey.columns, uniques });
  }
  return { tables, unkeyed, warnings };
}

export interface CaptureState {
  readonly runId: string;
  readonly installedAt: string;
  readonly schemaVersion: number;
  /** Watched tables with their CREATE TABLE text at install. */
  readonly tables: readonly { readonly name: string; readonly sql: string; readonly key: readonly string[] }[];
}

function tableExists(db: SqliteDb, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/** The capture installed in app.db, or null. */
export function readCaptureState(db: SqliteDb): CaptureState | null {
  if (!tableExists(db, STATE_TABLE)) return null;
  const r = db.prepare(`SELECT run_id, installed_at, schema_version, tables FROM ${STATE_TABLE} LIMIT 1`).get() as { run_id: string; installed_at: string; schema_version: bigint; tables: string } | undefined;
  if (!r) return null;
  return { runId: r.run_id, installedAt: r.installed_at, schemaVersion: Number(r.schema_version), tables: JSON.parse(r.tables) as CaptureState['tables'] };
}

/**
 * Install the changelog, the state row and every table's triggers in one BEGIN IMMEDIATE, so
 * either all of capture exists or none. Returns the state recorded.
 */
export function installCapture(db: SqliteDb, runId: string, tables: readonly CaptureTable[], sqlOf: (name: string) => string, now: Date): CaptureState {
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const sql of CHANGES_DDL) db.exec(sql);
    for (const t of tables) for (const [, sql] of captureTriggers(t)) db.exec(sql);
    // Read inside the transaction: our own DDL has already bumped it.
    const schemaVersion = Number(db.pragma('schema_version', { simple: true }));
    const state: CaptureState = { runId, installedAt: now.toISOString(), schemaVersion, tables: tables.map((t) => ({ name: t.name, sql: sqlOf(t.name), key: t.key })) };
    db.prepare(`INSERT INTO ${STATE_TABLE} (run_id, installed_at, schema_version, tables) VALUES (?, ?, ?, ?)`).run(runId, state.installedAt, schemaVersion, JSON.stringify(state.tables));
    db.exec('COMMIT');
    return state;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_BUSY') throw new CaptureError('E_CAPTURE_BUSY', `Could not install change capture: app.db stayed locked by another writer for ${BUSY_TIMEOUT_MS / 1000} s.`, { cause: e, hint: 'Run sync again; a long write transaction of the application holds the lock.' });
    if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') throw new SourceError('E_SOURCE_READONLY', `Could not install change capture: app.db is read-only for this user (${(e as Error).message}).`, { cause: e, hint: 'Online mode writes triggers into app.db: run it as a user that can write the file and its directory, or migrate offline.' });
    throw e;
  }
}

/** The capture triggers a table must have. */
function expectedTriggers(state: CaptureState): string[] {
  return state.tables.flatMap((t) => captureTriggers({ name: t.name, key: t.key, uniques: [] }).map(([name]) => name));
}

/**
 * Capture is intact: schema_version unchanged since install and every capture trigger present.
 * Otherwise the sync stops (exit 11) saying what changed.
 */
export function checkCapture(db: SqliteDb, state: CaptureState, path: string): void {
  const problems: string[] = [];
  const version = Number(db.pragma('schema_version', { simple: true }));
  const triggers = new Set((db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'trigger'`).all() as { name: string }[]).map((r) => r.name));
  const sql = new Map((db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'table'`).all() as { name: string; sql: string }[]).map((r) => [r.name, r.sql]));
  if (!sql.has(CHANGES_TABLE)) problems.push(`the changelog table ${CHANGES_TABLE} is gone`);
  for (const t of state.tables) {
    const now = sql.get(t.name);
    if (now === undefined) problems.push(`table ${t.name} was dropped or renamed`);
    else if (now !== t.sql) problems.push(`table ${t.name} was altered (its CREATE TABLE text changed)`);
  }
  for (const name of expectedTriggers(state)) if (!triggers.has(name)) problems.push(`capture trigger ${name} is missing (a table rebuild drops triggers)`);
  if (version !== state.schemaVersion && problems.length === 0) problems.push(`the schema changed (PRAGMA schema_version ${state.schemaVersion} → ${version}: an index, view, trigger or table was created, altered or dropped)`);
  if (problems.length) {
    throw new CaptureError('E_CAPTURE_BROKEN', `Change capture in ${path} is no longer complete, so changes could be missed: ${problems.length} problem${problems.length > 1 ? 's' : ''}.`, {
      problems,
      hint: `Nothing was cut over and app.db is unchanged otherwise. Start again with the new schema: sqlite2pg sync ${path} --abort, then sqlite2pg sync ${path} --target … (a new snapshot).`,
    });
  }
}

export interface Change {
  readonly seq: number;
  readonly tbl: string;
  readonly key: string;
}

/** Changes after `after`, oldest first, at most `limit`, in one short read. */
export function readChanges(db: SqliteDb, after: number, limit: number): Change[] {
  const rows = db.prepare(`SELECT seq, tbl, key FROM ${CHANGES_TABLE} WHERE seq > ? ORDER BY seq LIMIT ?`).all(after, limit) as { seq: bigint; tbl: string; key: string }[];
  return rows.map((r) => ({ seq: Number(r.seq), tbl: r.tbl, key: r.key }));
}

/** The newest changelog position (0 when empty). */
export function changesHead(db: SqliteDb): number {
  const r = db.prepare(`SELECT coalesce(max(seq), 0) AS m FROM ${CHANGES_TABLE}`).get() as { m: bigint };
  return Number(r.m);
}

/** Every distinct (table, key) changed after `after`: the set the cutover's proof covers. */
export function* changedKeysSince(db: SqliteDb, after: number): Generator<{ tbl: string; key: string }> {
  const stmt = db.prepare(`SELECT DISTINCT tbl, key FROM ${CHANGES_TABLE} WHERE seq > ?`);
  for (const r of stmt.iterate(after) as IterableIterator<{ tbl: string; key: string }>) yield r;
}

/** Names of every sqlite2pg object in app.db (tables and triggers), for --abort and tests. */
export function ourObjects(db: SqliteDb): { type: string; name: string }[] {
  return db.prepare(`SELECT type, name FROM sqlite_schema WHERE name LIKE '\\_sqlite2pg\\_%' ESCAPE '\\' ORDER BY type, name`).all() as { type: string; name: string }[];
}

/** Drop the capture triggers and tables (not the fences); inside the caller's transaction when one is open. */
export function dropCaptureObjects(db: SqliteDb): number {
  const objs = ourObjects(db).filter((o) => (o.type === 'trigger' && o.name.startsWith(CAPTURE_TRIGGER_PREFIX)) || (o.type === 'table' && (o.name === CHANGES_TABLE || o.name === STATE_TABLE)));
  for (const o of objs) db.exec(`DROP ${o.type === 'trigger' ? 'TRIGGER' : 'TABLE'} IF EXISTS ${sqliteIdent(o.name)}`);
  // sqlite_sequence keeps the AUTOINCREMENT counter of the dropped changelog: remove that row too.
  if (tableExists(db, 'sqlite_sequence')) db.prepare(`DELETE FROM sqlite_sequence WHERE name = ?`).run(CHANGES_TABLE);
  return objs.length;
}

/** --abort: remove all of capture in one transaction. Returns how many objects were dropped. */
export function removeCapture(db: SqliteDb): number {
  db.exec('BEGIN IMMEDIATE');
  try {
    const n = dropCaptureObjects(db);
    db.exec('COMMIT');
    return n;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}

/** Fence triggers: after the cutover, a write to a migrated table fails naming the run. Inside the caller's transaction. */
export function installFences(db: SqliteDb, tables: readonly string[], runId: string): void {
  const message = `migrated to PostgreSQL by sqlite2pg run ${runId}: this SQLite file is frozen, write to PostgreSQL`;
  for (const t of tables) for (const [, sql] of fenceTriggers(t, message)) db.exec(sql);
}

/** For an online snapshot copy: its changelog position, then every capture object removed, so the copy holds the application's data only. */
export function snapshotPosition(copyPath: string): number {
  const db = openSqliteWritable(copyPath, BUSY_TIMEOUT_MS, 'the online snapshot has its capture objects removed');
  try {
    const head = tableExists(db, CHANGES_TABLE) ? changesHead(db) : 0;
    db.exec('BEGIN');
    dropCaptureObjects(db);
    db.exec('COMMIT');
    return head;
  } finally {
    db.close();
  }
}

export { sqlText };
