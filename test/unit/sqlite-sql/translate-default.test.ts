import { describe, expect, test } from 'vitest';
import { translateDefault, type DefaultOptions } from '../../../src/plan/sqlite-sql/translate-default.js';
import type { TargetKind } from '../../../src/plan/sqlite-sql/target-kind.js';

function sql(defaultSql: string, kind: TargetKind, options?: DefaultOptions): string {
  const r = translateDefault(defaultSql, kind, options);
  if (!r.ok) throw new Error(`untranslatable: ${r.reason}`);
  return r.sql;
}

function reason(defaultSql: string, kind: TargetKind, options?: DefaultOptions): string {
  const r = translateDefault(defaultSql, kind, options);
  if (r.ok) throw new Error(`translated to ${r.sql}`);
  return r.reason;
}

const TEXT_NOW = "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')";

describe('translateDefault: now, for each target kind', () => {
  test.each([
    ['CURRENT_TIMESTAMP', 'timestamptz', 'CURRENT_TIMESTAMP'],
    ['CURRENT_TIMESTAMP', 'timestamp', "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"],
    ['CURRENT_TIMESTAMP', 'text', TEXT_NOW],
    ['CURRENT_TIMESTAMP', 'date', "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date"],
    ['current_timestamp', 'timestamptz', 'CURRENT_TIMESTAMP'],
    ["datetime('now')", 'timestamptz', 'CURRENT_TIMESTAMP'],
    ["(datetime('now'))", 'text', TEXT_NOW],
    ["(DATETIME('NOW'))", 'timestamp', "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"],
    ["strftime('%Y-%m-%d %H:%M:%S','now')", 'text', TEXT_NOW],
    ["strftime('%Y-%m-%d %H:%M:%S','now')", 'timestamptz', 'CURRENT_TIMESTAMP'],
    ["(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", 'text', "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"],
    ["(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", 'timestamptz', 'CURRENT_TIMESTAMP'],
    ['CURRENT_DATE', 'date', "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date"],
    ['CURRENT_DATE', 'text', "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD')"],
    ['CURRENT_DATE', 'timestamp', "date_trunc('day', CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"],
    ['CURRENT_DATE', 'timestamptz', "(date_trunc('day', CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"],
    ["date('now')", 'date', "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date"],
    ['CURRENT_TIME', 'text', "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'HH24:MI:SS')"],
    ["(strftime('%s','now'))", 'integer', 'floor(extract(epoch FROM CURRENT_TIMESTAMP))::bigint'],
    ["strftime('%s','now')", 'text', 'floor(extract(epoch FROM CURRENT_TIMESTAMP))::bigint::text'],
    ["strftime('%s','now')", 'timestamptz', 'CURRENT_TIMESTAMP'],
    ['(unixepoch())', 'numeric', 'floor(extract(epoch FROM CURRENT_TIMESTAMP))'],
    ["(julianday('now'))", 'float8', '(extract(epoch FROM CURRENT_TIMESTAMP) / 86400 + 2440587.5)'],
    ["(julianday('now'))", 'timestamptz', 'CURRENT_TIMESTAMP'],
    ["(julianday('now'))", 'text', '(extract(epoch FROM CURRENT_TIMESTAMP) / 86400 + 2440587.5)::text'],
    ["(datetime('now', '+30 minutes'))", 'timestamptz', "(CURRENT_TIMESTAMP + interval '30 minute')"],
  ] as const)('%s for %s → %s', (d, kind, expected) => {
    expect(sql(d, kind)).toBe(expected);
  });

  test("datetime('now','localtime') is the session's local time, with a note", () => {
    expect(translateDefault("datetime('now','localtime')", 'text')).toEqual({
      ok: true,
      sql: "to_char(LOCALTIMESTAMP, 'YYYY-MM-DD HH24:MI:SS')",
      notes: ["'localtime' uses the PostgreSQL session TimeZone, not the SQLite host's"],
    });
    expect(sql("datetime('now','localtime')", 'timestamp')).toBe('LOCALTIMESTAMP');
    expect(sql("datetime('now','localtime')", 'timestamptz')).toBe('LOCALTIMESTAMP::timestamptz');
  });

  test('a bare date for a timestamptz column is midnight in the mapping time zone', () => {
    expect(sql('CURRENT_DATE', 'timestamptz', { timeZone: 'Europe/Berlin' })).toBe("(date_trunc('day', CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Berlin')");
  });

  test.each([
    ['CURRENT_TIMESTAMP', 'integer', "SQLite stores the text 'YYYY-MM-DD HH:MM:SS' here, which an integer column cannot hold"],
    ['CURRENT_TIMESTAMP', 'boolean', "SQLite stores the text 'YYYY-MM-DD HH:MM:SS' here, which a boolean column cannot hold"],
    ['CURRENT_TIME', 'timestamptz', "SQLite stores the text 'HH:MM:SS' here, which a timestamptz column cannot hold"],
    ["(julianday('now'))", 'integer', 'SQLite stores a Julian day number here, which an integer column cannot hold'],
    ["(strftime('%Y', 'now'))", 'timestamptz', "SQLite stores the text strftime('%Y') here, which a timestamptz column cannot hold"],
    ["(datetime('now', 'weekday 1'))", 'timestamptz', "the date/time modifier 'weekday 1' is not translated"],
  ] as const)('%s for %s is refused: %s', (d, kind, why) => {
    expect(reason(d, kind)).toBe(why);
  });
});

describe('translateDefault: literals, converted as the column affinity would', () => {
  test.each([
    ["'0'", 'boolean', 'false'],
    ["'1'", 'boolean', 'true'],
    ['0', 'boolean', 'false'],
    ['1', 'boolean', 'true'],
    ['TRUE', 'boolean', 'true'],
    ['false', 'boolean', 'false'],
    ["'true'", 'boolean', 'true'],
    ["'0'", 'integer', '0'],
    ["' 42 '", 'integer', '42'],
    ["'1.0'", 'integer', '1'],
    ["'1e3'", 'integer', '1000'],
    ['-1', 'integer', '-1'],
    ['- 1', 'integer', '-1'],
    ['+1', 'integer', '1'],
    ['(-1)', 'integer', '-1'],
    ['0x1F', 'integer', '31'],
    ['TRUE', 'integer', '1'],
    ["'1.5'", 'numeric', '1.5'],
    ['4.99', 'numeric', '4.99'],
    ['-0.5', 'float8', '-0.5'],
    ['+1.5e3', 'float8', '1.5e3'],
    ['.5', 'numeric', '.5'],
    ['3', 'float8', '3'],
    ["'Y'", 'text', "'Y'"],
    ["'it''s'", 'text', "'it''s'"],
    ["''", 'text', "''"],
    ['4.99', 'text', "'4.99'"],
    ['1e3', 'text', "'1000.0'"],
    ['1.50', 'text', "'1.5'"],
    ['42', 'text', "'42'"],
    ['-7', 'text', "'-7'"],
    ['TRUE', 'text', "'1'"],
    ['NULL', 'text', 'NULL'],
    ['null', 'integer', 'NULL'],
    ['NULL', 'timestamptz', 'NULL'],
    ["x'00FF'", 'bytea', "'\\x00ff'::bytea"],
    ["X''", 'bytea', "'\\x'::bytea"],
    ["'{}'", 'json', "'{}'"],
    ["'[1, \"a\"]'", 'json', "'[1, \"a\"]'"],
    ['0', 'json', "'0'"],
    ["'550e8400-e29b-41d4-a716-446655440000'", 'uuid', "'550e8400-e29b-41d4-a716-446655440000'"],
    ["'2020-01-01'", 'date', "'2020-01-01'"],
    ["'2020-01-01 10:00:00'", 'timestamp', "'2020-01-01 10:00:00'"],
    ["'2020-01-01 10:00:00'", 'timestamptz', "'2020-01-01 10:00:00+00'"],
    ["'2020-01-01'", 'timestamptz', "'2020-01-01 00:00:00+00'"],
    ["'2020-01-01T10:00:00.123Z'", 'timestamptz', "'2020-01-01T10:00:00.123Z'"],
  ] as const)('%s for %s → %s', (d, kind, expected) => {
    expect(sql(d, kind)).toBe(expected);
  });

  test('double-quoted and bare-word defaults are strings in SQLite, with a note', () => {
    expect(translateDefault('"dq"', 'text')).toEqual({ ok: true, sql: "'dq'", notes: [`the default "dq" is the string 'dq' in SQLite`] });
    expect(translateDefault('active', 'text')).toEqual({ ok: true, sql: "'active'", notes: [`the default active is the string 'active' in SQLite`] });
    expect(sql('"0"', 'boolean')).toBe('false');
  });

  test('a naive timestamp for a timestamptz column is read in the mapping time zone', () => {
    expect(sql("'2020-01-01 10:00:00'", 'timestamptz', { timeZone: 'America/New_York' })).toBe("('2020-01-01 10:00:00'::timestamp AT TIME ZONE 'America/New_York')");
  });

  test('numbers on epoch date columns follow the mapping format', () => {
    expect(sql('0', 'timestamptz', { dateFormat: 'unixepoch-s' })).toBe('to_timestamp(0)');
    expect(sql("'1700000000000'", 'timestamptz', { dateFormat: 'unixepoch-ms' })).toBe('to_timestamp(1700000000000 / 1000.0)');
    expect(sql('0', 'timestamp', { dateFormat: 'unixepoch-us' })).toBe("(to_timestamp(0 / 1000000.0) AT TIME ZONE 'UTC')");
    expect(sql('2440587.5', 'date', { dateFormat: 'julianday' })).toBe("(to_timestamp((2440587.5 - 2440587.5) * 86400) AT TIME ZONE 'UTC')::date");
  });

  test('a constant date function is the literal SQLite computes', () => {
    expect(translateDefault("(date('2000-01-01'))", 'date')).toEqual({
      ok: true,
      sql: "'2000-01-01'",
      notes: ["date('2000-01-01') was computed to the constant '2000-01-01'"],
    });
  });

  test.each([
    ["'abc'", 'integer', "'abc' is not a number"],
    ["''", 'integer', "'' is not a number"],
    ["'1.5'", 'integer', "'1.5' is not an integer"],
    ['1.5', 'integer', '1.5 is not an integer'],
    ['9223372036854775808', 'integer', '9223372036854775808 is not an integer'],
    ["'0x10'", 'integer', "'0x10' is not a number"],
    ["'2'", 'boolean', "'2' is not a boolean (0 or 1)"],
    ["'yes'", 'boolean', "'yes' is not a boolean"],
    ['1e300', 'text', 'the text SQLite stores for 1e300 is not certain'],
    ['0.1234567890123456', 'text', 'the text SQLite stores for 0.1234567890123456 is not certain'],
    ["'{oops'", 'json', "'{oops' is not valid JSON"],
    ["'not-a-uuid'", 'uuid', "'not-a-uuid' is not a UUID"],
    ["'abc'", 'bytea', "the text default 'abc' is not a blob"],
    ["x'00'", 'text', "the blob default x'00' cannot be a text value"],
    ["'0000-00-00 00:00:00'", 'timestamp', "'0000-00-00 00:00:00' is not a valid timestamp value"],
    ["'2021-02-30'", 'date', "'2021-02-30' is not a valid date value"],
    ["'now'", 'timestamptz', "'now' is not a valid timestamptz value"],
    ["'2020-01-01 10:00:00'", 'date', "'2020-01-01 10:00:00' has a time part, which a date column drops"],
    ["'2020-01-01 10:00:00+02:00'", 'timestamp', "'2020-01-01 10:00:00+02:00' has a time zone offset, which a timestamp (without time zone) column would ignore"],
    ['0', 'timestamptz', "the numeric default 0 on a timestamptz column needs the column's date format (unixepoch-s, unixepoch-ms, unixepoch-us or julianday)"],
    ['TRUE', 'uuid', 'the default TRUE (an integer in SQLite) cannot be a uuid value'],
    ["(lower(hex(randomblob(16))))", 'uuid', "the expression default (lower(hex(randomblob(16)))) is not translated for a uuid column"],
    ["(hex(randomblob(16)))", 'text', 'function hex() has no known PostgreSQL translation'],
    ['', 'text', 'empty DEFAULT'],
    ["'open", 'text', "cannot read SQLite SQL: unterminated string literal at offset 0 (near \"'open\")"],
  ] as const)('%s for %s is refused: %s', (d, kind, why) => {
    expect(reason(d, kind)).toBe(why);
  });
});

describe('translateDefault: other expressions', () => {
  test('numeric expressions are translated and parenthesised (a PostgreSQL DEFAULT is a restricted expression)', () => {
    expect(sql("(strftime('%s','now') * 1000)", 'integer')).toBe('(floor(extract(epoch FROM CURRENT_TIMESTAMP))::bigint * 1000)');
    expect(sql('(1 + 2)', 'integer')).toBe('(1 + 2)');
    expect(sql("('a' || 'b')", 'text')).toBe("('a' || 'b')");
  });
});
