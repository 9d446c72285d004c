import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

describe('test PostgreSQL server', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('server');
  });
  afterAll(async () => db?.drop());

  it('is a real PostgreSQL with UTF8 encoding', async () => {
    const r = await db.query<{ v: string; enc: string }>(`SELECT current_setting('server_version_num') AS v, pg_encoding_to_char(encoding) AS enc FROM pg_database WHERE datname = current_database()`);
    expect(Number(r.rows[0]!.v)).toBeGreaterThanOrEqual(130000);
    expect(r.rows[0]!.enc).toBe('UTF8');
  });
});
