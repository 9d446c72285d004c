/**
 * Writing PostgreSQL's changes back into the SQLite file (`fallback`): the only place sqlite2pg
 * writes to a source database, and only through this handle. Everything happens in ONE SQLite
 * transaction taken with BEGIN IMMEDIATE (the write lock up front, so the application cannot
 * interleave a write, and a kill at any point leaves the file as it was: the rollback journal or
 * WAL undoes an uncommitted transaction on the next open).
 * https://www.sqlite.org/lang_transaction.html
 *
 * Values are bound as what they are (bigint → INTEGER, number → REAL, string → TEXT,
 * Buffer → BLOB): the reverse casts chose the storage class, and column affinity then applies
 * exactly as it did to the application's own writes (the proof reads every row back).
 */
import type Database from 'better-sqlite3';
import { SourceError } from '../errors.js';
import type { TablePlan } from '../model/plan.js';
import type { SqliteValue } from '../model/catalog.js';
import { sqliteIdent } from './introspect-sqlite.js';
import { iterateRows, selectList } from './read-rows.js';
import { openSqliteWritable } from './sqlite-db.js';

export class WriteBackDb {
  readonly #db: Database.Database;
  readonly #stmts = new Map<string, Database.Statement>();
  #open = false;

  private constructor(db: Database.Database, readonly path: string) {
    this.#db = db;
  }

  /** Open the file read-write (it must exist). `busyMs`: how long to wait for the application's lock. */
  static open(path: string, busyMs: number): WriteBackDb {
    const db = openSqliteWritable(path, busyMs, 'fallback writes the rows PostgreSQL changed back into it');
    try {
      // PostgreSQL enforced the foreign keys and ran the cascades already (and captured their
      // effects): SQLite must not act on them a second time, nor refuse an intermediate state.
      // better-sqlite3 turns foreign keys on by default. https://www.sqlite.org/foreignkeys.html
      db.pragma('foreign_keys = OFF');
    } catch (e) {
      db.close();
      throw new SourceError('E_SOURCE_OPEN', `Cannot open ${path} for writing: ${(e as Error).message}`, { cause: e, hint: 'Check the path and that the file and its directory are writable.' });
    }
    return new WriteBackDb(db, path);
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  /** Take the write lock. A lock held by the application fails with a clear error, after `busyMs`. */
  begin(): void {
    try {
      // A WAL database: fold the WAL into the file first (the application is stopped), so the
      // file's content hash is that of the whole database. Busy (a reader or writer still there):
      // BEGIN IMMEDIATE below says so. https://www.sqlite.org/pragma.html#pragma_wal_checkpoint
      if (String(this.#db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal') this.#db.pragma('wal_checkpoint(TRUNCATE)');
      this.#db.exec('BEGIN IMMEDIATE');
      this.#open = true;
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
        throw new SourceError('E_SOURCE_LOCKED', `${this.path} is locked by another process: the application is still running (or holds a transaction open).`, {
          hint: 'Stop the application (every process that opens the file), then run fallback again. Nothing was written.',
        });
      }
      if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN') {
        throw new SourceError('E_SOURCE_READONLY', `${this.path} cannot be written (${code}).`, { hint: 'Check the permissions of the file and of its directory (SQLite writes a journal next to it).' });
      }
      throw e;
    }
  }

  commit(): void {
    this.#db.exec('COMMIT');
    this.#open = false;
  }

  rollback(): void {
    if (this.#open) this.#db.exec('ROLLBACK');
    this.#open = false;
  }

  close(): void {
    try {
      this.rollback();
    } finally {
      this.#db.close();
    }
  }

  /** Columns SQLite computes itself (generated): never written. https://www.sqlite.org/pragma.html#pragma_table_xinfo */
  generatedColumns(table: string): Set<string> {
    const rows = this.#db.prepare(`SELECT name, hidden FROM pragma_table_xinfo(?)`).safeIntegers(false).all(table) as { name: string; hidden: number }[];
    return new Set(rows.filter((r) => r.hidden === 2 || r.hidden === 3).map((r) => r.name));
  }

  /** The first non-NULL value of a column: the template for the spelling of new values. */
  sample(table: string, column: string): SqliteValue | undefined {
    const r = this.#stmt(`SELECT ${sqliteIdent(column)} FROM ${sqliteIdent(table)} WHERE ${sqliteIdent(column)} IS NOT NULL LIMIT 1`).raw(true).get() as SqliteValue[] | undefined;
    return r?.[0];
  }

  /** One row by key, selected exactly as the loader reads rows (rowid first for rowid tables), or undefined. */
  rowByKey(t: TablePlan, keyColumns: readonly string[], key: readonly SqliteValue[]): SqliteValue[] | undefined {
    const where = keyColumns.map((k) => `${sqliteIdent(k)} = ?`).join(' AND ');
    const sql = `SELECT ${t.readKey.kind === 'rowid' ? '_rowid_, ' : ''}${selectList(t)} FROM ${sqliteIdent(t.source)} WHERE ${where}`;
    return this.#stmt(sql).raw(true).get(...key) as SqliteValue[] | undefined;
  }

  /** Every row, as the loader reads them (for the proof of a table rewritten whole). */
  rows(t: TablePlan): IterableIterator<unknown[]> {
    return iterateRows(this.#db, t, null);
  }

  insert(table: string, columns: readonly string[], values: readonly SqliteValue[]): void {
    const sql = `INSERT INTO ${sqliteIdent(table)} (${columns.map(sqliteIdent).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    this.#stmt(sql).run(...values);
  }

  update(table: string, keyColumns: readonly string[], key: readonly SqliteValue[], columns: readonly string[], values: readonly SqliteValue[]): void {
    const sql = `UPDATE ${sqliteIdent(table)} SET ${columns.map((c) => `${sqliteIdent(c)} = ?`).join(', ')} WHERE ${keyColumns.map((k) => `${sqliteIdent(k)} = ?`).join(' AND ')}`;
    this.#stmt(sql).run(...values, ...key);
  }

  delete(table: string, keyColumns: readonly string[], key: readonly SqliteValue[]): number {
    const sql = `DELETE FROM ${sqliteIdent(table)} WHERE ${keyColumns.map((k) => `${sqliteIdent(k)} = ?`).join(' AND ')}`;
    return this.#stmt(sql).run(...key).changes;
  }

  deleteAll(table: string): number {
    return this.#stmt(`DELETE FROM ${sqliteIdent(table)}`).run().changes;
  }

  /**
   * AUTOINCREMENT tables: never hand out an id PostgreSQL already used (even one since deleted).
   * https://www.sqlite.org/autoinc.html (sqlite_sequence)
   */
  raiseSequence(table: string, atLeast: bigint): boolean {
    const has = this.#db.prepare(`SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'`).get();
    if (!has) return false;
    return this.#stmt(`UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?`).run(atLeast, table, atLeast).changes > 0;
  }

  /**
   * The application's triggers on `tables`, dropped for the write-back and re-created (same SQL)
   * before the commit, in the same transaction: PostgreSQL already ran their translations, and
   * running them again here would apply their effects twice (SQLite cannot disable a trigger).
   */
  suspendTriggers(tables: readonly string[]): { name: string; sql: string }[] {
    const rows = this.#db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name IN (SELECT value FROM json_each(?)) AND sql IS NOT NULL`).all(JSON.stringify(tables)) as { name: string; sql: string }[];
    for (const r of rows) this.dropTrigger(r.name);
    return rows;
  }

  restoreTriggers(saved: readonly { name: string; sql: string }[]): void {
    for (const r of saved) this.#db.exec(r.sql);
  }

  /** Triggers sqlite2pg's online cutover left to fence the file (their SQL names the run). */
  fenceTriggers(runId: string): string[] {
    const rows = this.#db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'trigger' AND instr(sql, ?) > 0 AND instr(lower(sql), 'raise') > 0`).all(runId) as { name: string }[];
    return rows.map((r) => r.name);
  }

  dropTrigger(name: string): void {
    this.#db.exec(`DROP TRIGGER ${sqliteIdent(name)}`);
  }
}
