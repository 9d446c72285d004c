/**
 * The pre-flight reads the live source's catalog, the run then plans from the snapshot: the two
 * schemas must be the same, which migrate checks with prepare()'s schemaHash (exit 11 otherwise).
 * And prepare records each mapping file with the sha256 of its bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepare } from '../../../src/run/phases/prepare.js';
import { sqliteFromSql, tempDir } from '../../support/fixtures.js';

describe('prepare: schema hash and mapping files', () => {
  const work = tempDir('prepare-hash');
  const opts = (mappingsDir: string) => ({ sourcePath: 'app.db', mappingsDir, schema: 'public', fold: 'none' as const });

  it('is the same for the same schema whatever the rows, and differs when a column is added', async () => {
    const a = sqliteFromSql(work, 'a', 'CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT); INSERT INTO t (x) VALUES (1);');
    const b = sqliteFromSql(work, 'b', 'CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT); INSERT INTO t (x) VALUES (1), (2), (3);');
    const c = sqliteFromSql(work, 'c', 'CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT, y TEXT);');
    const none = join(work, 'none');
    const [pa, pb, pc] = await Promise.all([prepare(opts(none), a, 1), prepare(opts(none), b, 1), prepare(opts(none), c, 1)]);
    expect(pa.schemaHash).toMatch(/^[0-9a-f]{64}$/);
    expect(pb.schemaHash).toBe(pa.schemaHash);
    expect(pc.schemaHash).not.toBe(pa.schemaHash);
  });

  it('records each mapping file with the sha256 of its bytes', async () => {
    const src = sqliteFromSql(work, 'm', 'CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT);');
    const dir = join(work, 'mappings');
    mkdirSync(dir);
    const text = '{ "table": "t" }\n';
    writeFileSync(join(dir, 't.json'), text);
    const p = await prepare(opts(dir), src, 1);
    expect(p.mappingFiles).toEqual([{ file: join(dir, 't.json'), sha256: createHash('sha256').update(text).digest('hex') }]);
  });
});
