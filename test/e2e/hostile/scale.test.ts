/**
 * Hostile case: scale (test/fixtures/hostile/scale.ts). 200 tables (half of them empty), and a
 * table of 2000 columns, which PostgreSQL (1600 at most) cannot hold: the run fails at plan time
 * naming the table, before the target is touched, and skipping columns in its mapping file is
 * the way through.
 *
 * How long many tables take is not asserted here (speed is checked by `npm run bench`, never by a
 * timed test): 200 tables keep this file quick while the cutover still renames some 600 objects
 * (tables, keys, unique indexes) in its one transaction.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFromSql, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { manyTablesSql, wideTableSql } from '../../fixtures/hostile/scale.js';
import { migrate, writeMappings, type Migration } from './support.js';

const TABLES = 200;

describe(`hostile: ${TABLES} tables, half of them empty`, () => {
  let db: TestDatabase;
  let run: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_many');
    const work = tempDir('hostile-many');
    const source = sqliteFromSql(work, 'many', manyTablesSql(TABLES));
    run = await migrate(work, source, db.url);
  });
  afterAll(async () => db?.drop());

  it('migrates and verifies every table, empty ones included', async () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(run.report!.tables).toHaveLength(TABLES);
    expect(run.report!.tables.every((t) => t.checksum?.match === true)).toBe(true);
    expect(run.report!.tables.filter((t) => t.rowsLoaded === 0)).toHaveLength(TABLES / 2);
    expect(run.report!.tables.reduce((n, t) => n + t.rowsLoaded, 0)).toBe(TABLES);
    const r = await db.query<{ tables: string; indexes: string; fks: string }>(
      `SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')::text AS tables,
              (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public')::text AS indexes,
              (SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace)::text AS fks`,
    );
    // Per table: primary key and unique code; a foreign key in every tenth table.
    expect(r.rows[0]).toEqual({ tables: String(TABLES), indexes: String(2 * TABLES), fks: String(TABLES / 10) });
    expect(run.report!.objects).toMatchObject({ tables: TABLES, primaryKeys: TABLES, uniqueIndexes: TABLES, indexes: 0, foreignKeys: TABLES / 10 });
  });
});

describe('hostile: a table of 2000 columns', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  let refused: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_wide');
    work = tempDir('hostile-wide');
    source = sqliteFromSql(work, 'wide', wideTableSql(2000));
    refused = await migrate(join(work, 'refused'), source, db.url);
  });
  afterAll(async () => db?.drop());

  it('fails at plan time with exit 3, naming the table and the limit, before touching the target', async () => {
    expect(refused.cli.code, refused.cli.stderr).toBe(3);
    const out = refused.cli.stderr + refused.cli.stdout;
    expect(out).toContain('1 table has more columns than PostgreSQL allows (1600):');
    expect(out).toContain('table wide has 2000 columns; skip at least 400 of them (mapping "columns": {"<name>": {"skip": true}}) or skip the table ("skip": true)');
    const r = await db.query(`SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' AND nspname NOT IN ('information_schema', 'public')`);
    expect(r.rows).toEqual([]);
  });

  it('loads once its mapping skips 400 columns', async () => {
    const skip = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`c${1600 + i}`, { skip: true }]));
    const mappings = writeMappings(join(work, 'mappings'), { 'wide.json': { table: 'wide', columns: skip } });
    const run = await migrate(join(work, 'mapped'), source, db.url, [], { mappings });
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(run.report!.tables.find((t) => t.source === 'wide')).toMatchObject({ rowsRead: 2, rowsLoaded: 2, checksum: { match: true } });
    const cols = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'wide'`);
    expect(cols.rows[0]!.n).toBe('1600');
    const row = await db.query(`SELECT id::text, c1::text, c1599::text FROM public.wide ORDER BY wide.id`);
    expect(row.rows).toEqual([{ id: '1', c1: '1', c1599: null }, { id: '2', c1: null, c1599: null }]);
  });
});
