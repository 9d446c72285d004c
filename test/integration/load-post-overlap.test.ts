/**
 * The load and the post-load overlap: a table's keys and indexes are built (startPostLoad) as soon
 * as its load is done (loadTables → onTableLoaded), while a bigger table still loads; and the
 * loader's recycled batch Buffers never change a byte of what is sent (the checksums match).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import type { StepResult } from '../../src/model/run-result.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { createSchemaSql, createTableSql } from '../../src/plan/ddl.js';
import { openSqlite } from '../../src/source/sqlite-db.js';
import { introspectSqlite } from '../../src/source/introspect-sqlite.js';
import { loadTables, type TableLoad } from '../../src/load/load-tables.js';
import { startPostLoad } from '../../src/load/post-load.js';
import { QuarantineDir } from '../../src/load/quarantine-files.js';
import { verifyTables } from '../../src/verify/verify-tables.js';
import { sqliteFromSql, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const BIG = 40_000;

/** Opens connections to `url` (named, so a test can count them in pg_stat_activity). */
function connector(url: string, applicationName?: string): () => Promise<pg.Client> {
  return async () => {
    const c = new pg.Client({ connectionString: url, ...(applicationName ? { application_name: applicationName } : {}) });
    await c.connect();
    return c;
  };
}

/** The plan of a SQLite file, with its tables created in the schema `stage` of `db`. */
async function stagedPlan(db: TestDatabase, source: string): Promise<Plan> {
  const sdb = openSqlite(source);
  let plan: Plan;
  try {
    plan = buildPlan(introspectSqlite(sdb, source, 0), new Map(), { schema: 'public', fold: 'none' });
  } finally {
    sdb.close();
  }
  await db.query(createSchemaSql('stage'));
  for (const t of plan.tables) await db.query(createTableSql('stage', t));
  return plan;
}

describe('load and post-load overlap', () => {
  let db: TestDatabase;
  let dir: string;
  let source: string;
  let plan: Plan;

  beforeAll(async () => {
    db = await createTestDatabase('load_post_overlap');
    dir = tempDir('overlap');
    // ~300-byte rows: 40k of them are ~180 batches of 64 KiB, so the batch Buffers go round many times.
    source = sqliteFromSql(dir, 'src', `
      CREATE TABLE big (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, s TEXT NOT NULL);
      CREATE INDEX big_k ON big (k);
      CREATE INDEX big_s ON big (s);
      CREATE TABLE small (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
      WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${BIG})
        INSERT INTO big SELECT i, i % 97, printf('%d-', i) || hex(randomblob(140)) FROM g;
      INSERT INTO small VALUES (1, 'a'), (2, 'b'), (3, 'c');
    `);
    plan = await stagedPlan(db, source);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('builds a loaded table\'s keys while another still loads, and every byte arrives', async () => {
    const connect = connector(db.url);
    const steps: StepResult[] = [];
    const t0 = Date.now();
    const post = startPostLoad(connect, 2, plan, { schema: 'stage', t0, orphans: 'not-valid', onStep: (s) => steps.push(s) });
    const loadedAt = new Map<string, number>();
    const loads: TableLoad[] = await loadTables(plan, {
      sourcePath: source,
      schema: 'stage',
      lanes: 2,
      chunkRows: 1_000_000,
      quarantine: new QuarantineDir(dir),
      connect,
      // loadTables returns only after this: big's load waits (up to 20 s) for small's primary key,
      // which comes only from a post-load that started before the load phase ended.
      onTableDone: async (r) => {
        if (r.table.source !== 'big') return;
        for (let i = 0; i < 400 && !steps.some((s) => s.step === 'primary key' && s.table === 'small'); i++) await new Promise((res) => setTimeout(res, 50));
        loadedAt.set('big', Date.now() - t0);
      },
      onTableLoaded: (t) => post.tableLoaded(t),
    }, t0);
    const result = await post.finish();
    await post.settle();

    const c = await connect();
    try {
      const v = await verifyTables([c], 'stage', loads.map((l) => ({ table: l.table, source: { rowsLoaded: l.rowsLoaded, count: l.checksum.count, sum: l.checksum.sum } })), 1_000_000);
      expect(v.get('big')).toMatchObject({ match: true, targetRows: BIG });
      expect(v.get('small')).toMatchObject({ match: true, targetRows: 3 });
    } finally {
      await c.end();
    }
    // small's primary key was built before the load phase ended.
    const smallPk = steps.find((s) => s.step === 'primary key' && s.table === 'small')!;
    expect(smallPk.status).toBe('ok');
    expect(smallPk.startMs + smallPk.ms).toBeLessThanOrEqual(loadedAt.get('big')!);
    expect(result.objects).toMatchObject({ tables: 2, primaryKeys: 2, indexes: 2, uniqueIndexes: 1 });
    const indexes = await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'stage' ORDER BY 1`);
    expect(indexes.rows.map((r) => r.indexname)).toHaveLength(5);
  });
});

describe('statistics beside verification', () => {
  let db: TestDatabase;
  let dir: string;
  let plan: Plan;

  beforeAll(async () => {
    db = await createTestDatabase('post_statistics');
    dir = tempDir('post-statistics');
    // No primary key and no identity: its only build is an index (SHARE lock), then ANALYZE.
    const source = sqliteFromSql(dir, 'src', `
      CREATE TABLE logt (n INTEGER NOT NULL, s TEXT);
      CREATE INDEX logt_n ON logt (n);
      WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 2000) INSERT INTO logt SELECT i % 50, 'v' || i FROM g;
    `);
    plan = await stagedPlan(db, source);
    await db.query(`INSERT INTO stage.logt SELECT g % 50, 'v' || g FROM generate_series(1, 2000) g`);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('finish() returns while a table\'s ANALYZE still waits; settle() waits for it and closes', async () => {
    expect(plan.tables[0]).toMatchObject({ primaryKey: null, indexes: [expect.objectContaining({ name: 'logt_n' })] });
    const connect = connector(db.url, 'post_statistics');
    // SHARE lets CREATE INDEX through but holds ANALYZE (SHARE UPDATE EXCLUSIVE) back.
    const blocker = await connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE stage.logt IN SHARE MODE');
    const steps: StepResult[] = [];
    const post = startPostLoad(connect, 2, plan, { schema: 'stage', t0: Date.now(), orphans: 'not-valid', onStep: (s) => steps.push(s) });
    try {
      const result = await Promise.race([post.finish(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('finish() waited for ANALYZE')), 15_000))]);
      expect(result.objects).toMatchObject({ indexes: 1 });
      expect(steps.map((s) => `${s.step} ${s.status}`)).toEqual(['index logt_n ok']);
      let settled = false;
      const settling = post.settle().then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(settled).toBe(false);
      await blocker.query('COMMIT');
      await settling;
      expect(steps.map((s) => `${s.step} ${s.status}`)).toEqual(['index logt_n ok', 'analyze ok']);
      const stats = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stats WHERE schemaname = 'stage' AND tablename = 'logt'`);
      expect(stats.rows[0]!.n).toBe(2);
      const left = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'post_statistics' AND pid <> $1`, [(blocker as unknown as { processID: number }).processID]);
      expect(left.rows[0]!.n).toBe(0);
    } finally {
      await post.close();
      await blocker.end();
    }
  });
});
