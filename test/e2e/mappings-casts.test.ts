/**
 * Mapping files end to end: typed columns with exact values, bad values quarantined with a reason
 * (exit 8 and no cutover unless --allow-quarantine), invalid mappings rejected with every problem (exit 3).
 */
import { cpSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { fixtureDb, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

describe('mapping files and strict casts', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  const mappings = join(ROOT, 'test', 'fixtures', 'casts-mappings');
  const args = (...extra: string[]): string[] => ['migrate', source, '--target', db.url, '--mappings', mappings, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), ...extra];

  beforeAll(async () => {
    db = await createTestDatabase('casts');
    work = tempDir('casts');
    source = fixtureDb(work, 'casts');
  });
  afterAll(async () => db?.drop());

  it('quarantines the rows whose values do not convert exactly, and does not cut over (exit 8)', async () => {
    const run = await runCli(args());
    expect(run.code, run.stderr + run.stdout).toBe(8);
    expect(run.stdout).toMatch(/^NOT CUT OVER: /m);
    const live = await db.query(`SELECT 1 FROM pg_class WHERE relname = 'events' AND relnamespace = 'public'::regnamespace`);
    expect(live.rowCount).toBe(0);
    const dir = readdirSync(join(work, 'reports')).find((f) => !f.includes('.'))!;
    const lines = readFileSync(join(work, 'reports', dir, 'quarantine', 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.key, l.column, l.action])).toEqual([
      ['id=3', 'payload', 'quarantined'],
      ['id=4', 'at_text', 'quarantined'],
      ['id=5', 'at_text', 'quarantined'],
    ]);
    expect(lines[0].reason).toMatch(/JSON/i);
    expect(lines[0].value).toBe('{"broken": ');
    expect(lines[1].reason).toMatch(/did not exist in Europe\/Berlin/);
    expect(lines[2].reason).toMatch(/2024-02-30|February|day/i);
  });

  it('with --allow-quarantine loads the rest with proper types and exact values', async () => {
    const run = await runCli(args('--allow-quarantine'));
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const types = await db.query<{ column_name: string; t: string }>(`SELECT column_name, format_type(atttypid, atttypmod) AS t FROM information_schema.columns c JOIN pg_attribute a ON a.attrelid = 'public.events'::regclass AND a.attname = c.column_name WHERE table_schema = 'public' AND table_name = 'events' ORDER BY ordinal_position`);
    expect(types.rows.map((r) => `${r.column_name}:${r.t}`)).toEqual([
      'id:bigint', 'payload:jsonb', 'at_text:timestamp with time zone', 'at_iso:timestamp with time zone', 'at_s:timestamp with time zone', 'at_ms:timestamp with time zone',
      'flag:boolean', 'flag_text:boolean', 'price:numeric(8,2)', 'day:date',
    ]);
    await db.query(`SET TimeZone = 'UTC'`);
    const rows = await db.query(`SELECT id::int, payload::text, to_char(at_text AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at_text, to_char(at_iso AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at_iso,
      extract(epoch FROM at_s)::text AS at_s, (extract(epoch FROM at_ms) * 1000)::bigint::text AS at_ms, flag, flag_text, price::text, day::text FROM public.events ORDER BY id`);
    expect(rows.rows).toEqual([
      { id: 1, payload: '{"a": [1.0, 200], "b": 1}', at_text: '2024-03-31 00:30:00.000000', at_iso: '2024-01-01 10:00:00.000000', at_s: '1700000000.000000', at_ms: '1700000000123', flag: true, flag_text: true, price: '10.50', day: '2024-02-29' },
      // 02:30 on 2024-10-27 happens twice in Berlin: the earlier instant (CEST, UTC+2) is taken.
      { id: 2, payload: '[]', at_text: '2024-10-27 00:30:00.000000', at_iso: '2024-01-01 08:00:00.000000', at_s: '0.000000', at_ms: '-1000', flag: false, flag_text: false, price: '0.01', day: '2023-12-31' },
      { id: 6, payload: null, at_text: null, at_iso: null, at_s: null, at_ms: null, flag: null, flag_text: null, price: null, day: null },
    ]);
  });

  it('rejects invalid mapping files before touching the target, listing every problem (exit 3)', async () => {
    const bad = join(work, 'bad-mappings');
    mkdirSync(bad, { recursive: true });
    cpSync(mappings, bad, { recursive: true });
    writeFileSync(join(bad, 'events.json'), JSON.stringify({
      table: 'events',
      colums: {},
      columns: { payloadd: { cast: 'jsonb' }, at_s: { cast: 'timestamptz' }, at_ms: { cast: 'timestamptz', format: 'unixepoch-ms', timeZone: 'Mars/Olympus' }, flag: { cast: 'bool' } },
    }));
    const before = await db.query(`SELECT count(*)::int AS n FROM pg_class`);
    const run = await runCli(['migrate', source, '--target', db.url, '--mappings', bad, '--reports', join(work, 'reports2'), '--snapshot-dir', join(work, 'snap')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/events\.json: colums: unknown key/);
    expect(run.stderr).toMatch(/events\.json: columns\.payloadd: .*did you mean "payload"/i);
    expect(run.stderr).toMatch(/events\.json: columns\.at_s.*format/);
    expect(run.stderr).toMatch(/Mars\/Olympus/);
    expect(run.stderr).toMatch(/columns\.flag\.cast/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const after = await db.query(`SELECT count(*)::int AS n FROM pg_class`);
    expect(after.rows[0]).toEqual(before.rows[0]);
  });
});
