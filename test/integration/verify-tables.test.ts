/**
 * verifyTables() splits a big table into ranges of heap blocks, one query each, spread over the
 * clients: the ranges must cover every row exactly once (their sums add up to the whole table's),
 * in tables with no usable key too, and a changed row in any range must show.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TablePlan } from '../../src/model/plan.js';
import { ChecksumAccumulator } from '../../src/encode/checksum.js';
import { canonicalRow } from '../../src/encode/canonical.js';
import { verifyTables } from '../../src/verify/verify-tables.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const ROWS = 20_000;
const INT = { kind: 'integer', bits: 64 } as const;
const TEXT = { kind: 'text' } as const;

function table(name: string): TablePlan {
  const col = (source: string, cast: TablePlan['columns'][number]['cast']): TablePlan['columns'][number] => ({
    source, target: source, pgType: 'text', notNull: false, defaultSql: null, cast, onError: 'quarantine', nul: 'quarantine', identity: false, reason: '',
  });
  // No primary key: the block ranges need none.
  return { source: name, target: name, columns: [col('n', INT), col('s', TEXT)], skippedColumns: [], readKey: { kind: 'none' }, primaryKey: null, indexes: [], foreignKeys: [], checks: [], touchColumn: null, rowCount: ROWS };
}

describe('verifyTables over ranges of heap blocks', () => {
  let db: TestDatabase;
  const clients: pg.Client[] = [];
  const source = new ChecksumAccumulator();

  beforeAll(async () => {
    db = await createTestDatabase('verify_tables');
    for (let i = 0; i < 3; i++) {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      clients.push(c);
    }
    await clients[0]!.query(`CREATE TABLE t (n bigint, s text)`);
    await clients[0]!.query(`INSERT INTO t SELECT g, repeat('x', g % 50) || g FROM generate_series(1, ${ROWS}) g`);
    for (let g = 1; g <= ROWS; g++) source.add(canonicalRow([String(g), 'x'.repeat(g % 50) + g]));
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await db?.drop();
  });

  const run = (splitRows: number, n = clients.length) =>
    verifyTables(clients.slice(0, n), 'public', [{ table: table('t'), source: { rowsLoaded: ROWS, count: source.count, sum: source.sum } }], splitRows).then((m) => m.get('t')!);

  it('adds up the ranges to the whole table, however it is split', async () => {
    const blocks = Number((await clients[0]!.query(`SELECT pg_relation_size('t') / current_setting('block_size')::int AS b`)).rows[0].b);
    expect(blocks).toBeGreaterThan(20);
    const whole = await run(ROWS, 1);
    expect(whole).toMatchObject({ match: true, targetRows: ROWS, targetSum: source.sum });
    for (const split of [700, 1000, 3333, 9999]) expect(await run(split)).toMatchObject({ match: true, targetRows: ROWS, targetSum: source.sum });
  });

  it('sees a changed row in the first, a middle and the last block', async () => {
    for (const n of [1, ROWS / 2, ROWS]) {
      await clients[0]!.query(`UPDATE t SET s = s || '!' WHERE n = $1`, [n]);
      expect((await run(1000)).match).toBe(false);
      await clients[0]!.query(`UPDATE t SET s = left(s, -1) WHERE n = $1`, [n]);
      expect((await run(1000)).match).toBe(true);
    }
    // A row appended past the blocks counted at the start of the run is in the open last range.
    await clients[0]!.query(`INSERT INTO t VALUES (0, 'extra')`);
    expect(await run(1000)).toMatchObject({ match: false, targetRows: ROWS + 1 });
  });
});
