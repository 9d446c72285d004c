/**
 * Hostile case: rows whose foreign key references nothing (test/fixtures/hostile/orphans.sql).
 * Default --orphans not-valid: the key is created NOT VALID and the warnings name the rows;
 * --orphans fail: exit 5 with the rows in the message, the live schema untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { hostileDb, migrate, tableCounts, type Migration } from './support.js';

const ORDER_ORPHANS = 'foreign key order_customer_id_fkey: 2 rows of order reference no row of customer (customer_id → id): [id=11 → customer_id=7] [id=14 → customer_id=99]';
const LINE_ORPHANS = 'foreign key order_line_order_id_fkey: 1 row of order_line references no row of order (order_id → id): [order_id=99, line=1 → order_id=99]';

describe('hostile: orphan rows, --orphans not-valid (default)', () => {
  let db: TestDatabase;
  let run: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_orphans');
    const work = tempDir('hostile-orphans');
    run = await migrate(work, hostileDb(work, 'orphans'), db.url);
  });
  afterAll(async () => db?.drop());

  it('loads every row and exits 0', () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(tableCounts(run.report)).toEqual({
      customer: { read: 2, loaded: 2, quarantined: 0, match: true },
      order: { read: 5, loaded: 5, quarantined: 0, match: true },
      order_line: { read: 4, loaded: 4, quarantined: 0, match: true },
    });
  });

  it('creates the keys with orphans NOT VALID, and the others validated', async () => {
    const r = await db.query<{ conname: string; def: string; convalidated: boolean }>(
      `SELECT conname, pg_get_constraintdef(oid) AS def, convalidated FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY conname`,
    );
    expect(r.rows).toEqual([
      { conname: 'order_customer_id_fkey', def: 'FOREIGN KEY (customer_id) REFERENCES customer(id) NOT VALID', convalidated: false },
      { conname: 'order_line_order_id_fkey', def: 'FOREIGN KEY (order_id) REFERENCES "order"(id) ON DELETE CASCADE NOT VALID', convalidated: false },
    ]);
    // NOT VALID still checks new rows.
    await expect(db.query(`INSERT INTO public."order" (id, customer_id) VALUES (20, 5)`)).rejects.toMatchObject({ code: '23503' });
  });

  it('names the offending rows (key → referencing values) in the warnings, stdout and the report', () => {
    const warnings = run.report!.warnings.filter((w) => w.startsWith('foreign key '));
    expect(warnings).toEqual([
      `${ORDER_ORPHANS}; created NOT VALID: fix the rows, then ALTER TABLE "public"."order" VALIDATE CONSTRAINT "order_customer_id_fkey"`,
      `${LINE_ORPHANS}; created NOT VALID: fix the rows, then ALTER TABLE "public"."order_line" VALIDATE CONSTRAINT "order_line_order_id_fkey"`,
    ]);
    expect(run.cli.stderr + run.cli.stdout).toContain('[id=11 → customer_id=7] [id=14 → customer_id=99]');
  });
});

describe('hostile: orphan rows, --orphans fail', () => {
  let db: TestDatabase;
  let run: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_orphans_fail');
    const work = tempDir('hostile-orphans-fail');
    run = await migrate(work, hostileDb(work, 'orphans'), db.url, ['--orphans', 'fail']);
  });
  afterAll(async () => db?.drop());

  it('exits 5 with the orphan rows in the message and leaves the live schema untouched', async () => {
    expect(run.cli.code, run.cli.stderr).toBe(5);
    expect(run.cli.stderr + run.cli.stdout).toContain(ORDER_ORPHANS);
    expect(run.report!.error).toMatchObject({ code: 'E_FK_ORPHANS', message: ORDER_ORPHANS });
    const live = await db.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'public'`);
    expect(live.rowCount).toBe(0);
  });
});
