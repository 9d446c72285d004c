/**
 * Issue 12: a REAL cast to numeric loads the EXACT value of the double (2^64 →
 * 18446744073709551616, not its shortest text 18446744073709552000), and verification covers it;
 * with a scale, the exact value rounded to it, or the row quarantined when that is another double.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFromSql, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { migrate, tableCounts, writeMappings, type Migration } from './support.js';

const SQL = `
  CREATE TABLE m (id INTEGER PRIMARY KEY, r REAL, price REAL);
  INSERT INTO m VALUES
    (1, 18446744073709551616.0, 19.99),
    (2, 0.1, 0.5),
    (3, 4.9406564584124654e-324, -2.5),
    (4, -1.7976931348623157e308, 0.125),
    (5, 9007199254740993.0, NULL);
`;

describe('hostile: REAL into numeric keeps the exact value of the double', () => {
  let db: TestDatabase;
  let run: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_real_numeric');
    const work = tempDir('hostile-real-numeric');
    const mappings = writeMappings(join(work, 'mappings'), { 'm.json': { table: 'm', columns: { r: { cast: 'numeric' }, price: { cast: 'numeric', type: 'numeric(12,2)' } } } });
    run = await migrate(work, sqliteFromSql(work, 'real-numeric', SQL), db.url, ['--allow-quarantine'], { mappings });
  });
  afterAll(async () => db?.drop());

  it('loads and verifies; 0.125 into numeric(12,2) is quarantined, not rounded to 0.13', () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(tableCounts(run.report)).toEqual({ m: { read: 5, loaded: 4, quarantined: 1, match: true } });
    const q = run.quarantine.get('m.jsonl') ?? [];
    expect(q.map((x) => [x.key, x.column])).toEqual([['id=4', 'price']]);
    expect(q[0]!.reason).toMatch(/0\.13 is another double: it would be rounded/);
  });

  it('stores the exact decimal expansion', async () => {
    const r = await db.query<{ id: string; r: string; price: string | null }>(`SELECT id::text, r::text, price::text FROM public.m ORDER BY id`);
    expect(r.rows[0]).toEqual({ id: '1', r: '18446744073709551616', price: '19.99' });
    expect(r.rows[1]).toEqual({ id: '2', r: '0.1000000000000000055511151231257827021181583404541015625', price: '0.50' });
    expect(r.rows[2]!.r).toMatch(/^0\.0{323}49406564584124654417656879286822137236505980/);
    expect(r.rows[2]!.r.length).toBe(2 + 1074);
    expect(r.rows[2]!.price).toBe('-2.50');
    expect(r.rows[3]).toEqual({ id: '5', r: '9007199254740992', price: null });
    // Each reads back as the very double SQLite held.
    const back = await db.query<{ ok: boolean }>(`SELECT bool_and(r::float8::text = (CASE id WHEN 1 THEN 2^64 WHEN 2 THEN 0.1::float8 WHEN 3 THEN 4.9406564584124654e-324::float8 WHEN 5 THEN 2^53 END)::text) AS ok FROM public.m`);
    expect(back.rows[0]!.ok).toBe(true);
  });
});
