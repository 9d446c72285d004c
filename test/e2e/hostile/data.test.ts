/**
 * Hostile case: values (test/fixtures/hostile/data.sql). 64-bit edges and integers beyond 2^53
 * exact; a value of the wrong storage class quarantined by rule with its reason (or loaded when
 * the planned type holds it), never a stopped stream or a silent conversion; NUL bytes and
 * invalid UTF-8 quarantined by default, stripped / replaced (and recorded) or kept as bytes by
 * mapping; ±Infinity, subnormals and 17-digit doubles exact; '' and NULL distinct.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { hostileDb, migrate, tableCounts, writeMappings, type Migration } from './support.js';

const INVALID_UTF8 = (decoded: string): string =>
  `TEXT whose stored bytes are not valid UTF-8: read as ${JSON.stringify(decoded)}, each bad sequence replaced by U+FFFD. The column's policy is invalidUtf8: "quarantine"; map it with invalidUtf8: "replace" to load that form, or cast "text-bytes" to keep the bytes (SELECT hex(s) shows them)`;

describe('hostile: data, built-in rules (quarantine by default)', () => {
  let db: TestDatabase;
  let run: Migration;
  let staging: string;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_data');
    const work = tempDir('hostile-data');
    // No --allow-quarantine: exit 8, no cutover; --keep-staging keeps the loaded rows to look at.
    run = await migrate(work, hostileDb(work, 'data'), db.url, ['--keep-staging']);
    const s = await db.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sqlite2pg_staging_%'`);
    staging = s.rows[0]!.nspname;
  });
  afterAll(async () => db?.drop());

  it('exits 8 (quarantined rows, no --allow-quarantine) with read = loaded + quarantined for every table', () => {
    expect(run.cli.code, run.cli.stderr).toBe(8);
    expect(tableCounts(run.report)).toEqual({
      ints: { read: 10, loaded: 9, quarantined: 1, match: true },
      mixed: { read: 11, loaded: 4, quarantined: 7, match: true },
      texts: { read: 11, loaded: 6, quarantined: 5, match: true },
      raw_texts: { read: 11, loaded: 6, quarantined: 5, match: true },
      nul_strip: { read: 2, loaded: 1, quarantined: 1, match: true },
      reals: { read: 11, loaded: 11, quarantined: 0, match: true },
    });
    expect(run.report!.outcome).toBe('passed-with-quarantine');
  });

  it('keeps 64-bit integer edges and integers beyond 2^53 exact', async () => {
    const r = await db.query<{ id: string; n: string | null }>(`SELECT id::text, n::text FROM "${staging}".ints x ORDER BY x.id`);
    expect(r.rows.map((x) => x.n)).toEqual(['9223372036854775807', '-9223372036854775808', '9007199254740993', '-9007199254740993', '9007199254740992', '1234567890123456789', '0', null, '-9223372036854775808']);
    expect(run.quarantine.get('ints.jsonl')!.map((q) => [q.key, q.value, q.reason])).toEqual([
      ['id=9', '9223372036854776000', 'REAL 9223372036854776000 is out of range for bigint (-9223372036854775808..9223372036854775807)'],
    ]);
  });

  it('quarantines each value of the wrong storage class by rule, with the reason, and loads the rest', async () => {
    expect(run.quarantine.get('mixed.jsonl')!.map((q) => [q.key, q.column, q.value, q.reason])).toEqual([
      ['id=2', 'i', 'forty-two', 'TEXT "forty-two" is not an integer (expected optional sign and digits only)'],
      ['id=3', 'i', '2.5', 'REAL 2.5 in an integer column: the fraction would be lost'],
      ['id=4', 't', "x'00ff' (2 bytes)", 'BLOB value in a text column (2 bytes): map the column as bytea'],
      ['id=5', 'b', 'not a blob', 'TEXT value in a BLOB column: TEXT "not a blob" (map it as hex-bytea if it holds hex digits, or as text-bytes to keep the text\'s bytes)'],
      ['id=6', 'r', 'abc', 'TEXT "abc" is not a number'],
      ['id=7', 'b', '12', 'INTEGER value in a BLOB column: INTEGER 12 (map the column as text or a number if it holds numbers)'],
      ['id=8', 'any_type', "x'ff' (1 bytes)", 'BLOB value in a text column (1 bytes): map the column as bytea'],
    ]);
    const r = await db.query(`SELECT id::text, i::text, t, encode(b, 'hex') AS b, r::text, any_type FROM "${staging}".mixed x ORDER BY x.id`);
    expect(r.rows).toEqual([
      { id: '1', i: '42', t: 'text', b: '0102', r: '1.5', any_type: 'a' },
      { id: '9', i: '3', t: '', b: null, r: '3', any_type: '' },
      { id: '10', i: null, t: null, b: null, r: null, any_type: '7' },
      { id: '11', i: null, t: null, b: null, r: null, any_type: '2.5' },
    ]);
  });

  it('quarantines NUL bytes and invalid UTF-8 (never a silent U+FFFD), loads a genuine U+FFFD, keeps "" apart from NULL', async () => {
    expect(run.quarantine.get('texts.jsonl')!.map((q) => [q.key, q.value, q.reason])).toEqual([
      ['id=3', 'a\\0b', 'TEXT "a\\u0000b" contains a NUL character (U+0000), which PostgreSQL text cannot store; the column\'s policy is nul: "quarantine", and nul: "strip" would remove it'],
      ['id=4', 'A\uFFFDB', INVALID_UTF8('A\uFFFDB')],
      ['id=5', '\uFFFD', INVALID_UTF8('\uFFFD')],
      ['id=10', '\uFFFD\uFFFD', INVALID_UTF8('\uFFFD\uFFFD')],
      ['id=11', '\uFFFD\uFFFD\uFFFD', INVALID_UTF8('\uFFFD\uFFFD\uFFFD')],
    ]);
    const r = await db.query<{ id: string; s: string | null; hex: string | null }>(`SELECT id::text, s, encode(convert_to(s, 'UTF8'), 'hex') AS hex FROM "${staging}".texts x ORDER BY x.id`);
    expect(r.rows).toEqual([
      { id: '1', s: '', hex: '' },
      { id: '2', s: null, hex: null },
      { id: '6', s: '\uFFFD', hex: 'efbfbd' },
      { id: '7', s: 'tab\tand\nnewline \\ backslash \\N', hex: '74616209616e640a6e65776c696e65205c206261636b736c617368205c4e' },
      { id: '8', s: ' trailing space ', hex: '20747261696c696e6720737061636520' },
      { id: '9', s: '😀 émoji', hex: 'f09f988020c3a96d6f6a69' },
    ]);
  });

  it('keeps ±Infinity, subnormals and 17-significant-digit doubles bit-exact', async () => {
    const r = await db.query<{ x: string | null }>(`SELECT x::text AS x FROM "${staging}".reals t ORDER BY t.id`);
    expect(r.rows.map((x) => x.x)).toEqual(['Infinity', '-Infinity', '5e-324', '2.225073858507201e-308', '0.1', '0.30000000000000004', '1.7976931348623157e+308', '123456789.12345678', '0', '1e-07', null]);
    const bits = await db.query<{ b: string }>(`SELECT encode(float8send(x), 'hex') AS b FROM "${staging}".reals t WHERE id IN (3, 4, 8) ORDER BY t.id`);
    const expected = [4.9406564584124654e-324, 2.2250738585072009e-308, 123456789.12345678].map((v) => {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v);
      return b.toString('hex');
    });
    expect(bits.rows.map((x) => x.b)).toEqual(expected);
  });
});

describe('hostile: data, mapping policies (nul: strip, invalidUtf8: replace, cast text-bytes)', () => {
  let db: TestDatabase;
  let run: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_data_mapped');
    const work = tempDir('hostile-data-mapped');
    const mappings = writeMappings(join(work, 'mappings'), {
      'texts.json': { table: 'texts', columns: { s: { invalidUtf8: 'replace', nul: 'strip' } } },
      'raw_texts.json': { table: 'raw_texts', columns: { s: { cast: 'text-bytes' } } },
      'nul_strip.json': { table: 'nul_strip', columns: { s: { nul: 'strip' } } },
    });
    run = await migrate(work, hostileDb(work, 'data'), db.url, ['--allow-quarantine'], { mappings });
  });
  afterAll(async () => db?.drop());

  it('loads every text row and records each changed value next to the quarantined rows', () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(tableCounts(run.report)).toMatchObject({
      texts: { read: 11, loaded: 11, quarantined: 0, match: true },
      raw_texts: { read: 11, loaded: 11, quarantined: 0, match: true },
      nul_strip: { read: 2, loaded: 2, quarantined: 0, match: true },
    });
    expect(run.quarantine.get('texts.jsonl')!.map((q) => [q.key, q.action, q.reason])).toEqual([
      ['id=3', 'nulled', 'loaded without its NUL character (nul: strip)'],
      ['id=4', 'nulled', 'loaded with U+FFFD in place of invalid UTF-8 (invalidUtf8: replace)'],
      ['id=5', 'nulled', 'loaded with U+FFFD in place of invalid UTF-8 (invalidUtf8: replace)'],
      ['id=10', 'nulled', 'loaded with U+FFFD in place of invalid UTF-8 (invalidUtf8: replace)'],
      ['id=11', 'nulled', 'loaded with U+FFFD in place of invalid UTF-8 (invalidUtf8: replace)'],
    ]);
    expect(run.quarantine.get('nul_strip.jsonl')!.map((q) => [q.key, q.action, q.reason])).toEqual([['id=1', 'nulled', 'loaded without its 2 NUL characters (nul: strip)']]);
  });

  it('strips NULs and replaces invalid UTF-8 only where the mapping says so', async () => {
    const r = await db.query<{ id: string; hex: string | null }>(`SELECT id::text, encode(convert_to(s, 'UTF8'), 'hex') AS hex FROM public.texts x WHERE id IN (3, 4, 5, 6, 10, 11) ORDER BY x.id`);
    expect(r.rows).toEqual([
      { id: '3', hex: '6162' },
      { id: '4', hex: '41efbfbd42' },
      { id: '5', hex: 'efbfbd' },
      { id: '6', hex: 'efbfbd' },
      { id: '10', hex: 'efbfbdefbfbd' },
      { id: '11', hex: 'efbfbdefbfbdefbfbd' },
    ]);
    const n = await db.query(`SELECT s FROM public.nul_strip x ORDER BY x.id`);
    expect(n.rows).toEqual([{ s: 'xy' }, { s: 'clean' }]);
  });

  it('cast text-bytes keeps the exact stored bytes: invalid UTF-8, NUL, "" and NULL alike', async () => {
    const r = await db.query<{ id: string; hex: string | null }>(`SELECT id::text, encode(s, 'hex') AS hex FROM public.raw_texts x ORDER BY x.id`);
    expect(Object.fromEntries(r.rows.map((x) => [x.id, x.hex]))).toEqual({
      '1': '',
      '2': null,
      '3': '610062',
      '4': '41ff42',
      '5': 'f09f98',
      '6': 'efbfbd',
      '7': '74616209616e640a6e65776c696e65205c206261636b736c617368205c4e',
      '8': '20747261696c696e6720737061636520',
      '9': 'f09f988020c3a96d6f6a69',
      '10': 'c0af',
      '11': 'eda080',
    });
  });
});
