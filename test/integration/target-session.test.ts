/**
 * Every connection sqlite2pg opens (connectTarget, which the lanes and verify use too) pins the
 * session settings of PINNED_SETTINGS over hostile database defaults; SET LOCAL still overrides
 * them inside a transaction, RESET returns to the pinned value (not the database's), and the
 * user's own URL `options` are kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTarget, PINNED_SETTINGS, redactText, redactUrl, targetFromUrl } from '../../src/load/target.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

describe('target sessions', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('target_session');
    for (const s of [`standard_conforming_strings = off`, `search_path = nowhere, pg_catalog`, `TimeZone = 'Asia/Kathmandu'`, `statement_timeout = '1s'`, `idle_session_timeout = '1s'`, `client_encoding = 'LATIN1'`]) {
      await db.query(`ALTER DATABASE "${db.name}" SET ${s}`);
    }
  });
  afterAll(async () => db?.drop());

  it('pins every setting over ALTER DATABASE defaults, and the versioned timeouts after connecting', async () => {
    const c = await connectTarget(targetFromUrl(db.url, 'flag'));
    try {
      for (const [name, value] of PINNED_SETTINGS) {
        const r = await c.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name]);
        const shown = r.rows[0]!.v.replace(/, /g, ',');
        expect(shown.toLowerCase(), name).toBe(value.toLowerCase());
      }
      const idle = await c.query<{ v: string }>(`SELECT current_setting('idle_session_timeout') AS v`);
      expect(idle.rows[0]!.v).toBe('0');
    } finally {
      await c.end();
    }
  });

  it('SET LOCAL overrides a pin inside a transaction; RESET returns to the pin', async () => {
    const c = await connectTarget(targetFromUrl(db.url, 'flag'));
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL statement_timeout = '10s'`);
      expect((await c.query(`SHOW statement_timeout`)).rows[0].statement_timeout).toBe('10s');
      await c.query('COMMIT');
      expect((await c.query(`SHOW statement_timeout`)).rows[0].statement_timeout).toBe('0');
      await c.query(`SET search_path TO nowhere`);
      await c.query(`RESET search_path`);
      expect((await c.query(`SHOW search_path`)).rows[0].search_path).toBe('pg_catalog,public,pg_temp');
    } finally {
      await c.end();
    }
  });

  it('keeps the options written in the URL, with the pins winning', async () => {
    const u = new URL(db.url);
    u.searchParams.set('options', '-c work_mem=7MB -c TimeZone=Europe/Paris');
    const c = await connectTarget(targetFromUrl(u.toString(), 'flag'));
    try {
      expect((await c.query(`SHOW work_mem`)).rows[0].work_mem).toBe('7MB');
      expect((await c.query(`SHOW TimeZone`)).rows[0].TimeZone).toBe('UTC');
    } finally {
      await c.end();
    }
  });
});

describe('redaction of URLs the parser rejects', () => {
  it('hides everything between // and the last @', () => {
    expect(redactUrl('postgres://user:p@ss:w/rd%20!@host/db')).toBe('postgres://***@host/db');
    expect(redactUrl('postgres://user:12/ss@host/db')).toBe('postgres://***@host/db');
    expect(redactUrl('postgres://user:pw@host/db')).toBe('postgres://user:***@host/db');
    expect(redactText('see postgres://user:p@ss:w/rd%20!@host/db here', [])).toBe('see postgres://user:***@host/db here');
    expect(redactText('postgres://u@x:p@host/db', [])).toBe('postgres://***@host/db');
  });
});
