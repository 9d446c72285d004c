/**
 * Issue 12: an INTEGER PRIMARY KEY holding 2^63−1 (the largest bigint, which SQLite allows) used to
 * stop the run at "identity reset … bigint out of range". It loads; that column stays a plain bigint
 * key (no identity can hand out a next value), the report lists the skipped step with its reason,
 * and the other tables keep their identities.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFromSql, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { migrate, tableCounts, type Migration } from './support.js';

const SQL = `
  CREATE TABLE full_ids (id INTEGER PRIMARY KEY, v TEXT);
  INSERT INTO full_ids VALUES (1, 'one'), (9223372036854775807, 'max');
  CREATE TABLE auto_full (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
  INSERT INTO auto_full VALUES (-9223372036854775808, 'min'), (9223372036854775807, 'max');
  CREATE TABLE normal (id INTEGER PRIMARY KEY, v TEXT);
  INSERT INTO normal VALUES (1, 'a'), (9223372036854775806, 'b');
`;

describe('hostile: INTEGER PRIMARY KEY at the largest bigint', () => {
  let db: TestDatabase;
  let run: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_identity_max');
    const work = tempDir('hostile-identity-max');
    run = await migrate(work, sqliteFromSql(work, 'identity-max', SQL), db.url);
  });
  afterAll(async () => db?.drop());

  it('loads, verifies and cuts over', () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(run.report?.cutover.performed).toBe(true);
    expect(tableCounts(run.report)).toEqual({
      full_ids: { read: 2, loaded: 2, quarantined: 0, match: true },
      auto_full: { read: 2, loaded: 2, quarantined: 0, match: true },
      normal: { read: 2, loaded: 2, quarantined: 0, match: true },
    });
    const ids = (t: string) => db.query<{ id: string }>(`SELECT id::text FROM public.${t} ORDER BY id`).then((r) => r.rows.map((x) => x.id));
    return Promise.all([ids('full_ids'), ids('auto_full')]).then(([a, b]) => {
      expect(a).toEqual(['1', '9223372036854775807']);
      expect(b).toEqual(['-9223372036854775808', '9223372036854775807']);
    });
  });

  it('lists the skipped identity with its reason, as a step and a warning', () => {
    const skipped = run.report!.steps.filter((s) => s.step === 'identity reset' && s.status === 'skipped');
    expect(skipped.map((s) => s.table).sort()).toEqual(['auto_full', 'full_ids']);
    for (const s of skipped) expect(s.error).toMatch(/holds 9223372036854775807, the largest bigint: .* stays a plain bigint key/);
    expect(run.report!.warnings.filter((w) => /the largest bigint/.test(w))).toHaveLength(2);
    // No second, confusing warning from the post-cutover identity check.
    expect(run.report!.warnings.filter((w) => /is not past max/.test(w))).toEqual([]);
  });

  it('leaves those columns without identity; the others keep theirs, restarted past max', async () => {
    const r = await db.query<{ table_name: string; is_identity: string }>(`SELECT table_name, is_identity FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'id' ORDER BY table_name`);
    expect(r.rows).toEqual([
      { table_name: 'auto_full', is_identity: 'NO' },
      { table_name: 'full_ids', is_identity: 'NO' },
      { table_name: 'normal', is_identity: 'YES' },
    ]);
    const next = await db.query<{ id: string }>(`INSERT INTO public.normal (v) VALUES ('c') RETURNING id::text`);
    expect(next.rows[0]!.id).toBe('9223372036854775807');
  });
});
