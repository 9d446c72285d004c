/**
 * Snapshot pruning touches only what sqlite2pg wrote and can prove it wrote: entries of
 * sqlite2pg-snapshots.json whose file still has the listed size and sha256. Regression of
 * issue #12 defect 1 (pruning by age deleted app.db, a backup and a README).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_MANIFEST, checkSnapshotDir, discardSnapshot, pruneSnapshots, readSnapshotManifest, recordSnapshot, takeSnapshot } from '../../../src/source/snapshot.js';

const work = mkdtempSync(join(tmpdir(), 'sqlite2pg-manifest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const DAY = 86_400_000;

function makeDb(path: string): string {
  const db = new Database(path);
  db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('a'), ('b')`);
  db.close();
  return path;
}

async function snapshotInto(dir: string, source: string, runId: string, ageDays: number): Promise<string> {
  const s = await takeSnapshot(source, dir, runId);
  await recordSnapshot(dir, { file: s.path.split('/').pop()!, runId, source, sha256: s.sha256, sizeBytes: s.sizeBytes, createdAt: new Date(Date.now() - ageDays * DAY).toISOString(), kept: null });
  return s.path;
}

describe('snapshot manifest and pruning', () => {
  it('prunes only old manifest entries whose file is unchanged; foreign, young and changed files stay', async () => {
    const dir = join(work, 'snaps1');
    mkdirSync(dir);
    const source = makeDb(join(work, 'app1.db'));
    const old = await snapshotInto(dir, source, 'run-old', 10);
    const young = await snapshotInto(dir, source, 'run-young', 0);
    const tampered = await snapshotInto(dir, source, 'run-tampered', 10);
    writeFileSync(tampered, Buffer.concat([readFileSync(tampered), Buffer.from('x')]));
    // Files the user keeps next to the snapshots, all older than the retention.
    const foreign = ['other.db', 'app.db.bak', 'README', '20200101T000000Z-abcdef-app.db'];
    for (const f of foreign) {
      writeFileSync(join(dir, f), f);
      utimesSync(join(dir, f), new Date(Date.now() - 100 * DAY), new Date(Date.now() - 100 * DAY));
    }
    const r = await pruneSnapshots(dir, 1, Date.now());
    expect(r.removed).toEqual([old.split('/').pop()]);
    expect(r.leftAlone).toEqual([tampered.split('/').pop()]);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(young)).toBe(true);
    expect(existsSync(tampered)).toBe(true);
    for (const f of foreign) expect(existsSync(join(dir, f)), f).toBe(true);
    // The manifest forgets what was removed and what is no longer ours.
    expect((await readSnapshotManifest(dir)).map((e) => e.runId)).toEqual(['run-young']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('without a manifest, nothing is pruned', async () => {
    const dir = join(work, 'snaps2');
    mkdirSync(dir);
    writeFileSync(join(dir, 'app.db'), 'x');
    utimesSync(join(dir, 'app.db'), new Date(0), new Date(0));
    expect(await pruneSnapshots(dir, 1, Date.now())).toEqual({ removed: [], leftAlone: [] });
    expect(existsSync(join(dir, 'app.db'))).toBe(true);
  });

  it('a manifest entry naming a path outside the directory is ignored, never followed', async () => {
    const dir = join(work, 'snaps3');
    mkdirSync(dir);
    const victim = makeDb(join(work, 'victim.db'));
    const size = readFileSync(victim).length;
    writeFileSync(join(dir, SNAPSHOT_MANIFEST), JSON.stringify({ tool: 'sqlite2pg', version: 1, snapshots: [{ file: '../victim.db', runId: 'x', source: victim, sha256: 'any', sizeBytes: size, createdAt: new Date(0).toISOString(), kept: null }] }));
    expect((await pruneSnapshots(dir, 1, Date.now())).removed).toEqual([]);
    expect(existsSync(victim)).toBe(true);
  });

  it('discardSnapshot removes a listed unchanged snapshot, and nothing unlisted', async () => {
    const dir = join(work, 'snaps4');
    const source = makeDb(join(work, 'app4.db'));
    const snap = await snapshotInto(dir, source, 'run4', 0);
    expect(await discardSnapshot(snap)).toBe(true);
    expect(existsSync(snap)).toBe(false);
    expect(await discardSnapshot(source)).toBe(false);
    expect(existsSync(source)).toBe(true);
  });

  it('refuses a snapshot directory that is, or contains, the directory of the source', async () => {
    const appDir = join(work, 'app');
    mkdirSync(join(appDir, 'data'), { recursive: true });
    const source = makeDb(join(appDir, 'data', 'app.db'));
    await expect(checkSnapshotDir(join(appDir, 'data'), source)).rejects.toThrow(/is the directory of the source/);
    await expect(checkSnapshotDir(join(appDir, 'data', '.'), source)).rejects.toThrow(/is the directory of the source/);
    await expect(checkSnapshotDir(appDir, source)).rejects.toThrow(/contains the directory of the source/);
    await expect(checkSnapshotDir(join(appDir, 'data', 'snapshots'), source)).resolves.toBeUndefined();
    await expect(checkSnapshotDir(join(work, 'elsewhere', 'new'), source)).resolves.toBeUndefined();
  });
});
