/** takeSnapshot(): a byte copy under SQLite's SHARED lock for rollback-journal databases, VACUUM INTO for WAL ones. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../../../src/source/snapshot.js';
import { hashSqliteFile, SqliteFileHasher } from '../../../src/source/sqlite-file-hash.js';

const work = mkdtempSync(join(tmpdir(), 'sqlite2pg-snapshot-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

function makeDb(name: string, journal: 'delete' | 'wal'): { path: string; db: Database.Database } {
  const path = join(work, name);
  const db = new Database(path);
  db.pragma(`journal_mode = ${journal}`);
  db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) SELECT hex(randomblob(100)) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT x FROM c)`);
  return { path, db };
}

describe('takeSnapshot', () => {
  it('copies a rollback-journal database byte for byte and hashes the copy', async () => {
    const { path, db } = makeDb('plain.db', 'delete');
    db.close();
    const snap = await takeSnapshot(path, join(work, 'snaps'), 'run1');
    expect(readFileSync(snap.path).equals(readFileSync(path))).toBe(true);
    expect(snap.sha256).toBe(sha256(path));
    expect(snap.sizeBytes).toBe(readFileSync(path).length);
    // The fingerprint the cutover records comes from this copy's one read: the same as reading the file again.
    expect(snap.hashes).toEqual(await hashSqliteFile(snap.path));
    expect(snap.hashes.sha256).toBe(snap.sha256);
  });

  it("gives a WAL source's snapshot the hashes of the file it wrote", async () => {
    const { path, db } = makeDb('wal-hashes.db', 'wal');
    const snap = await takeSnapshot(path, join(work, 'snaps'), 'run-wal-hashes');
    db.close();
    expect(snap.hashes).toEqual(await hashSqliteFile(snap.path));
    expect(snap.hashes.sha256).toBe(sha256(snap.path));
  });

  it('holds off writers while it copies: the copy is one consistent state', async () => {
    const { path, db } = makeDb('busy.db', 'delete');
    // ~10 MB, so that the copy takes many reads (and event-loop turns).
    db.exec(`INSERT INTO t (v) SELECT hex(randomblob(2000)) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2500) SELECT x FROM c)`);
    db.pragma('busy_timeout = 0');
    let done = false;
    const copying = takeSnapshot(path, join(work, 'snaps'), 'run2').finally(() => (done = true));
    let committed = 0;
    let refused = 0;
    while (!done) {
      try {
        db.exec(`INSERT INTO t (v) VALUES ('late')`);
        committed++;
      } catch (e) {
        expect((e as Error).message).toMatch(/locked|busy/i);
        refused++;
      }
      await new Promise((r) => setImmediate(r));
    }
    const snap = await copying;
    expect(refused).toBeGreaterThan(0);
    db.exec(`INSERT INTO t (v) VALUES ('after')`);
    db.close();
    const copy = new Database(snap.path, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    const late = copy.prepare(`SELECT count(*) FROM t WHERE v = 'late'`).pluck().get() as number;
    expect(late).toBeLessThanOrEqual(committed);
    expect(copy.prepare('SELECT count(*) FROM t').pluck().get()).toBe(4500 + late);
    copy.close();
  });

  it('takes committed rows still in the -wal file of a WAL database', async () => {
    const { path, db } = makeDb('wal.db', 'wal');
    db.pragma('wal_autocheckpoint = 0');
    db.exec(`INSERT INTO t (v) VALUES ('in the wal')`);
    const snap = await takeSnapshot(path, join(work, 'snaps'), 'run3');
    db.close();
    const copy = new Database(snap.path, { readonly: true });
    expect(copy.prepare(`SELECT count(*) FROM t WHERE v = 'in the wal'`).pluck().get()).toBe(1);
    copy.close();
    expect(snap.sha256).toBe(sha256(snap.path));
  });
});

describe('SqliteFileHasher', () => {
  it('gives the same hashes whatever the pieces the bytes arrive in, a header split across them included', async () => {
    const { path, db } = makeDb('pieces.db', 'delete');
    db.close();
    const bytes = readFileSync(path);
    const whole = await hashSqliteFile(path);
    for (const cuts of [[1], [17, 99, 100, 101], [50, 4096], [bytes.length - 1]]) {
      const h = new SqliteFileHasher();
      let at = 0;
      for (const cut of [...cuts, bytes.length]) {
        h.update(bytes.subarray(at, cut));
        at = cut;
      }
      expect(h.digest()).toEqual(whole);
    }
    // The content hash ignores the volatile header fields, the sha256 does not.
    const changed = Buffer.from(bytes);
    changed.writeUInt32BE(changed.readUInt32BE(24) + 1, 24);
    const h = new SqliteFileHasher();
    h.update(changed);
    const d = h.digest();
    expect(d.contentSha256).toBe(whole.contentSha256);
    expect(d.sha256).not.toBe(whole.sha256);
    // The bytes fed in are not modified (the copy writes the same Buffers).
    expect(bytes.equals(readFileSync(path))).toBe(true);
  });
});
