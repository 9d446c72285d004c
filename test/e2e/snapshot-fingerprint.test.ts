/**
 * The fingerprint the cutover records (runs.capture.source, what `fallback` checks app.db
 * against) comes from the snapshot's own read: the sha256 of the bytes as they were copied, and
 * the content hash, computed beside the copy in a thread of its own for a large file (forced here
 * on a small one) or in the same pass. Either way it must equal the hashes of the file read again.
 */
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { noMappings, sqliteFromSql, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { hashSqliteFile } from '../../src/source/sqlite-file-hash.js';

const FIXTURE = `
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO notes (body) SELECT hex(randomblob(200)) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) SELECT x FROM c);
`;

describe('the cutover records the fingerprint the snapshot computed', () => {
  let work: string;
  let source: string;
  const dbs: TestDatabase[] = [];
  beforeAll(() => {
    work = tempDir('fprint');
    source = sqliteFromSql(work, 'app', FIXTURE);
  });
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  for (const [label, env] of [
    ['content hash in a worker thread beside the copy', { SQLITE2PG_TEST_PARALLEL_HASH_BYTES: '0' }],
    ['content hash in the copy pass', {}],
  ] as const) {
    it(label, async () => {
      const db = await createTestDatabase('fprint');
      dbs.push(db);
      const snapDir = join(work, `snap-${dbs.length}`);
      const r = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', snapDir, '--json'], { env: { ...process.env, ...env } });
      expect(r.code, r.stderr).toBe(0);
      // The worker also runs quick_check on the copied bytes while the copy holds its lock: the
      // report's integrity row lies inside the snapshot's; in the copy pass it comes after it.
      const steps = (JSON.parse(r.stdout) as { steps: { step: string; status: string; startMs: number; ms: number }[] }).steps;
      const snap = steps.find((s) => s.step === 'snapshot source')!;
      const check = steps.find((s) => s.step === 'integrity check (quick_check)')!;
      expect(check.status).toBe('ok');
      if ('SQLITE2PG_TEST_PARALLEL_HASH_BYTES' in env) expect(check.startMs + check.ms).toBeLessThanOrEqual(snap.startMs + snap.ms);
      else expect(check.startMs).toBeGreaterThanOrEqual(snap.startMs + snap.ms);
      const row = (await db.query<{ snapshot_path: string; source_sha256: string; capture: { source: { sha256: string; contentSha256: string } } }>(`SELECT snapshot_path, source_sha256, capture FROM sqlite2pg.runs`)).rows[0]!;
      const again = await hashSqliteFile(row.snapshot_path);
      const sourceSha = createHash('sha256').update(readFileSync(source)).digest('hex');
      expect(row.capture.source.sha256).toBe(sourceSha);
      expect(row.source_sha256).toBe(sourceSha);
      expect(row.capture.source.contentSha256).toBe(again.contentSha256);
      expect(again.sha256).toBe(sourceSha);
    });
  }
});
