/**
 * Change capture, against writes of another OS process (its own better-sqlite3 connection): each
 * pitfall of SQLite triggers leaves the right keys in the changelog. No PostgreSQL needed.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openSqlite } from '../../../src/source/sqlite-db.js';
import { introspectSqlite } from '../../../src/source/introspect-sqlite.js';
import { captureTables, checkCapture, installCapture, openLiveWritable, readCaptureState, readChanges, removeCapture, requireWal } from '../../../src/capture/capture.js';
import { parseKeyText } from '../../../src/capture/key-text.js';
import { tempDir } from '../../support/fixtures.js';
import { onlineDb, sqliteObjects, writeFromOtherProcess } from './support.js';

const work = tempDir('capture');
afterAll(() => rmSync(work, { recursive: true, force: true }));

let path: string;
let n = 0;

function install(p: string): void {
  const reader = openSqlite(p);
  const catalog = introspectSqlite(reader, p, 0);
  reader.close();
  const { tables } = captureTables(catalog);
  const live = openLiveWritable(p);
  installCapture(live, 'run-test', tables, (name) => catalog.tables.find((t) => t.name === name)!.sql, new Date());
  live.close();
}

/** Changelog keys (table → sorted key texts) after `sql` ran in another process. */
function captured(sql: string): Record<string, string[]> {
  const r = writeFromOtherProcess(path, sql);
  expect(r.stderr).toBe('');
  const db = openSqlite(path);
  try {
    const out: Record<string, string[]> = {};
    for (const c of readChanges(db, 0, 10_000)) (out[c.tbl] ??= []).includes(c.key) || out[c.tbl]!.push(c.key);
    for (const k of Object.keys(out)) out[k]!.sort();
    return out;
  } finally {
    db.close();
  }
}

describe('change capture', () => {
  beforeEach(() => {
    path = onlineDb(work, `cap${n++}`);
    install(path);
  });

  it('captures writes whose conflict clause is OR IGNORE / OR FAIL (the changelog has no constraint to trip on)', () => {
    expect(captured(`INSERT OR IGNORE INTO items (id, email) VALUES (1, 'dup'); INSERT OR IGNORE INTO items (id, email) VALUES (9001, 'new@x'); UPDATE OR FAIL items SET n = -1 WHERE id = 7;`)).toEqual({
      // id 1 is recorded by the REPLACE guard (harmless: replay re-reads it); 9001 and 7 are the writes.
      items: ['1', '7', '9001'],
    });
  });

  it('captures the row an INSERT OR REPLACE deletes on a UNIQUE non-key column (no DELETE trigger fires for it)', () => {
    expect(captured(`INSERT OR REPLACE INTO items (id, email) VALUES (9002, 'e150@x');`)).toEqual({ items: ['150', '9002'] });
    expect(sqliteObjects(path).length).toBeGreaterThan(0);
  });

  it('captures the row a UNIQUE ON CONFLICT REPLACE column deletes on a plain INSERT (TEXT key)', () => {
    expect(captured(`INSERT INTO codes VALUES ('D', 'alpha', 9);`)).toEqual({ codes: ["'A'", "'D'"] });
  });

  it("captures UPDATE OR REPLACE onto another row's unique value", () => {
    // 9 is deleted by the REPLACE, and its tag by ON DELETE CASCADE.
    expect(captured(`UPDATE OR REPLACE items SET email = 'e9@x' WHERE id = 8;`)).toEqual({ items: ['8', '9'], tags: ["9,'t0'"] });
  });

  it('records old and new key of a key update, composite WITHOUT ROWID keys, and FK cascades', () => {
    const c = captured(`UPDATE items SET id = 7000 WHERE id = 200; UPDATE tags SET tag = 'z' WHERE item_id = 2 AND tag = 't2'; DELETE FROM items WHERE id = 4;`);
    expect(c['items']).toEqual(['200', '4', '7000']);
    // 4's tag goes by ON DELETE CASCADE: SQLite runs DELETE triggers for cascades.
    expect(c['tags']).toEqual(["2,'t2'", "2,'z'", "4,'t1'"]);
    expect(parseKeyText("2,'it''s',X'00ff',NULL,1.5")).toEqual([2n, "it's", Buffer.from([0, 255]), null, 1.5]);
  });

  it('keys on the declared key, so a rowid reused after deleting the max id is one key changed twice', () => {
    expect(captured(`DELETE FROM items WHERE id = 500; INSERT INTO items (email) VALUES ('reused@x');`)).toEqual({ items: ['500'] });
  });

  it('captures a DELETE of every row', () => {
    const c = captured(`DELETE FROM bulk;`);
    expect(c['bulk']).toHaveLength(3000);
  });

  it('keeps seq increasing after the newest changes are gone (AUTOINCREMENT)', () => {
    captured(`UPDATE items SET n = 0 WHERE id = 1;`);
    const db = new Database(path);
    const max = Number(db.prepare(`SELECT max(seq) FROM _sqlite2pg_changes`).pluck().get());
    db.exec(`DELETE FROM _sqlite2pg_changes`);
    db.close();
    writeFromOtherProcess(path, `UPDATE items SET n = 1 WHERE id = 1;`);
    const r = openSqlite(path);
    expect(readChanges(r, 0, 10)[0]!.seq).toBeGreaterThan(max);
    r.close();
  });

  it('notices a schema change and a dropped trigger (table rebuild), and removes everything in one go', () => {
    const live = openLiveWritable(path);
    const state = readCaptureState(live)!;
    expect(state.runId).toBe('run-test');
    expect(() => checkCapture(live, state, path)).not.toThrow();
    writeFromOtherProcess(path, `CREATE TABLE codes2 (code TEXT PRIMARY KEY, label TEXT, qty INTEGER); INSERT INTO codes2 SELECT * FROM codes; DROP TABLE codes; ALTER TABLE codes2 RENAME TO codes;`);
    let err: { exitCode?: number; problems?: readonly string[] } = {};
    try {
      checkCapture(live, state, path);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.exitCode).toBe(11);
    expect(err.problems!.join('\n')).toMatch(/_sqlite2pg_cap_ai_codes is missing/);
    expect(removeCapture(live)).toBeGreaterThan(0);
    live.close();
    expect(sqliteObjects(path)).toEqual([]);
  });

  it('refuses a rollback-journal source and says how to switch', () => {
    const p = `${work}/plain.db`;
    const db = new Database(p);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    db.close();
    const live = openLiveWritable(p);
    let hint = '';
    expect(() => {
      try {
        requireWal(live, p);
      } catch (e) {
        hint = (e as { hint: string }).hint;
        throw e;
      }
    }).toThrow(/journal_mode=delete; online migration needs WAL/);
    expect(hint).toMatch(/PRAGMA journal_mode=WAL/);
    live.close();
  });
});
