import { describe, expect, test } from 'vitest';
import { translateExpression, type ExprContext } from '../../../src/plan/sqlite-sql/translate-expression.js';

const LIKE_NOTE = 'LIKE became ILIKE: SQLite LIKE ignores case (for ASCII letters; ILIKE also folds non-ASCII ones)';
const CAST_NOTE = 'CAST to a number fails in PostgreSQL on text that is not a number, where SQLite reads its numeric prefix (or 0)';

/** Source → target column names; some renamed, some hostile. */
const ctx: ExprContext = {
  columns: new Map([
    ['Discount', 'discount'],
    ['UnitPrice', 'unit_price'],
    ['Quantity', 'quantity'],
    ['a', 'a'],
    ['b', 'b'],
    ['c', 'c'],
    ['name', 'name'],
    ['select', 'select'],
    ['a"b', 'a"b'],
    ['Größe', 'größe'],
    ['left', 'left'],
    ['desc', 'desc'],
    ['active', 'active'],
    ['flag', 'flag'],
    ['doc', 'doc'],
    ['created', 'created'],
  ]),
  jsonbColumns: new Set(['doc']),
  columnKinds: new Map([
    ['active', 'text'],
    ['flag', 'boolean'],
    ['a', 'integer'],
  ]),
};

function sql(expr: string, context: ExprContext = ctx): string {
  const r = translateExpression(expr, context);
  if (!r.ok) throw new Error(`untranslatable: ${r.reason}`);
  return r.sql;
}

function notes(expr: string, context: ExprContext = ctx): readonly string[] {
  const r = translateExpression(expr, context);
  if (!r.ok) throw new Error(`untranslatable: ${r.reason}`);
  return r.notes;
}

function reason(expr: string, context: ExprContext = ctx): string {
  const r = translateExpression(expr, context);
  if (r.ok) throw new Error(`translated to ${r.sql}`);
  return r.reason;
}

describe('translateExpression: names', () => {
  test.each([
    ['[Discount]>=(0) AND [Discount]<=(1)', '"discount">=(0) AND "discount"<=(1)'],
    ['DISCOUNT > unitprice', '"discount" > "unit_price"'],
    ['"select" = 1', '"select" = 1'],
    ['"a""b" || `a"b`', '"a""b" || "a""b"'],
    ['Größe > 1', '"größe" > 1'],
    ['"left" + [desc]', '"left" + "desc"'],
    ['left > 1', '"left" > 1'],
    ['unknown_col + 1', '"unknown_col" + 1'],
    ['t.UnitPrice', '"unit_price"'],
    ['main.t.UnitPrice > 0', '"unit_price" > 0'],
    ['t.other', '"t"."other"'],
  ])('%s → %s', (expr, expected) => {
    expect(sql(expr)).toBe(expected);
  });

  test('ASCII case folding only: Ä and ä are different names in SQLite', () => {
    expect(sql('GRÖSSE', { columns: new Map([['grÖsse', 'x']]) })).toBe('"x"');
    expect(sql('grösse', { columns: new Map([['grÖsse', 'x']]) })).toBe('"grösse"');
  });

  test('a double-quoted name that is no column is a string literal, with a note', () => {
    expect(sql('"Order Details" = \'x\' OR "a" = "it\'s"')).toBe("'Order Details' = 'x' OR \"a\" = 'it''s'");
    expect(notes('"unk" = 1')).toEqual([`"unk" names no column, so SQLite reads it as the string 'unk'`]);
  });

  test('the rowid has no counterpart, unless a column carries that name', () => {
    expect(reason('rowid > 0')).toBe('the rowid has no PostgreSQL counterpart');
    expect(sql('rowid > 0', { columns: new Map([['rowid', 'id']]) })).toBe('"id" > 0');
  });
});

describe('translateExpression: literals and operators', () => {
  test.each([
    ["'it''s' || 'x'", "'it''s' || 'x'"],
    ["X'ABCD' = b", "'\\xabcd'::bytea = \"b\""],
    ['b == 1', '"b" = 1'],
    ['b==1', '"b"=1'],
    ['b != 1 AND b <> 2', '"b" != 1 AND "b" <> 2'],
    ['0x1F + 0xFFFFFFFFFFFFFFFF', '31 + -1'],
    ['1_000 * .5e1', '1000 * .5e1'],
    ['TRUE AND false', 'TRUE AND FALSE'],
    ['b % 2 = 0 AND b & 1 | 2 << 1 >> 1', '"b" % 2 = 0 AND "b" & 1 | 2 << 1 >> 1'],
    ["a || -b", '"a" || -"b"'],
    ["'x'||-1", "'x'|| -1"],
  ])('%s → %s', (expr, expected) => {
    expect(sql(expr)).toBe(expected);
  });

  test('layout is kept, comments are dropped', () => {
    expect(sql('a > 0 -- positive\n  AND /* upper */ a < 10')).toBe('"a" > 0 \n  AND   "a" < 10');
    expect(sql('a/**/>/**/0')).toBe('"a" > 0');
  });

  test('IS / IS NOT: kept before NULL, TRUE, FALSE; null-safe comparison otherwise', () => {
    expect(sql('a IS NULL AND b IS NOT NULL AND c IS TRUE')).toBe('"a" IS NULL AND "b" IS NOT NULL AND "c" IS TRUE');
    expect(sql('a IS b AND c IS NOT 1')).toBe('"a" IS NOT DISTINCT FROM "b" AND "c" IS DISTINCT FROM 1');
    expect(sql('a ISNULL OR b NOTNULL OR c NOT NULL')).toBe('"a" IS NULL OR "b" IS NOT NULL OR "c" IS NOT NULL');
    expect(sql('a IS NOT DISTINCT FROM b')).toBe('"a" IS NOT DISTINCT FROM "b"');
  });

  test('a number as a whole condition is a boolean, as PostgreSQL requires', () => {
    expect(sql('a > 0 AND 1')).toBe('"a" > 0 AND TRUE');
    expect(sql('NOT 0 OR (b = 2 AND 0)')).toBe('NOT FALSE OR ("b" = 2 AND FALSE)');
    expect(sql('a BETWEEN 0 AND 1 AND 2')).toBe('"a" BETWEEN 0 AND 1 AND TRUE');
    expect(sql('b IS NOT 0 AND 0 < b')).toBe('"b" IS DISTINCT FROM 0 AND 0 < "b"');
    expect(sql('CASE a WHEN 1 THEN 0 ELSE 1 END')).toBe('CASE "a" WHEN 1 THEN 0 ELSE 1 END');
  });

  test('CASE, IN, BETWEEN, NOT, EXISTS are kept', () => {
    expect(sql("case when a=1 then 'x' when a in (2, 3) then 'y' else '' end")).toBe("CASE WHEN \"a\"=1 THEN 'x' WHEN \"a\" IN (2, 3) THEN 'y' ELSE '' END");
    expect(sql('a not between 1 and 2 and not b')).toBe('"a" NOT BETWEEN 1 AND 2 AND NOT "b"');
    expect(sql('CASE a WHEN 1 THEN b END')).toBe('CASE "a" WHEN 1 THEN "b" END');
  });

  test('arithmetic on non-numeric text is refused (Northwind Invoices uses + to concatenate)', () => {
    expect(reason("(FirstName + ' ' + LastName)")).toBe("arithmetic + on the text ' ': SQLite turns it into 0 (+ is not concatenation), PostgreSQL rejects it");
    expect(sql("'5' + 1")).toBe("'5' + 1");
  });

  test.each([
    ['a -> \'$.x\'', 'the JSON operator -> takes a JSON path in SQLite but a key in PostgreSQL; it is not translated'],
    ['a GLOB \'x*\'', 'GLOB has no direct PostgreSQL equivalent'],
    ['a REGEXP \'x\'', 'REGEXP depends on an application-defined function in SQLite; it is not translated'],
    ['a MATCH \'x\'', 'MATCH (full-text search) is not translated'],
    ['a = ?', 'the parameter ? has no meaning in a schema object'],
    ['a = :name', 'the parameter :name has no meaning in a schema object'],
    ['a IN ()', 'an empty IN () list is SQLite-only syntax'],
    ['a IN other_table', 'IN followed by a table name is SQLite-only syntax'],
    ['a COLLATE NOCASE = b', 'COLLATE NOCASE has no exact PostgreSQL equivalent'],
    ["'unterminated", "cannot read SQLite SQL: unterminated string literal at offset 0 (near \"'unterminated\")"],
    ['(a', 'cannot read SQLite SQL: unbalanced parentheses at offset 0'],
    ['', 'empty expression'],
    ['a; b', 'more than one statement'],
  ])('%s is refused: %s', (expr, why) => {
    expect(reason(expr)).toBe(why);
  });

  test('COLLATE BINARY is byte order, "C" in PostgreSQL', () => {
    expect(sql('a COLLATE BINARY < b')).toBe('"a" COLLATE "C" < "b"');
  });
});

describe('translateExpression: LIKE', () => {
  test('LIKE becomes ILIKE, with a note', () => {
    const r = translateExpression("name like 'a%' AND name NOT LIKE '%b'", ctx);
    expect(r).toEqual({ ok: true, sql: "\"name\" ILIKE 'a%' AND \"name\" NOT ILIKE '%b'", notes: [LIKE_NOTE] });
  });

  test("SQLite has no LIKE escape character by default, PostgreSQL has backslash: add ESCAPE ''", () => {
    expect(sql("name LIKE 'a\\b%'")).toBe("\"name\" ILIKE 'a\\b%' ESCAPE ''");
    expect(sql("name LIKE b || '%' AND a = 1")).toBe("\"name\" ILIKE \"b\" || '%' ESCAPE '' AND \"a\" = 1");
    expect(sql("name LIKE lower(b)")).toBe("\"name\" ILIKE lower(\"b\") ESCAPE ''");
    expect(sql("name LIKE 'a!%' ESCAPE '!'")).toBe("\"name\" ILIKE 'a!%' ESCAPE '!'");
  });
});

describe('translateExpression: literals compared with a column take its affinity', () => {
  test('a TEXT column compares with text (Sakila customer.active is CHAR(1))', () => {
    expect(sql('active=1')).toBe("\"active\"='1'");
    expect(sql('1 = active')).toBe("'1' = \"active\"");
    expect(sql('active IN (0, 1.50)')).toBe("\"active\" IN ('0', '1.5')");
    expect(sql('active BETWEEN 1 AND 2')).toBe("\"active\" BETWEEN '1' AND '2'");
    expect(sql('((active))=0')).toBe("((\"active\"))='0'");
  });

  test('a boolean column compares with TRUE / FALSE', () => {
    expect(sql('flag = 1 OR flag <> 0')).toBe('"flag" = TRUE OR "flag" <> FALSE');
    expect(sql('flag NOT IN (0, 1)')).toBe('"flag" NOT IN (FALSE, TRUE)');
    expect(reason('flag = 2')).toBe('compares a boolean column with 2');
  });

  test('not when the literal is part of a larger operand', () => {
    expect(sql('active = 1 + a')).toBe('"active" = 1 + "a"');
    expect(sql('a + active = 1')).toBe('"a" + "active" = 1');
    expect(sql('active IN (1 + 1)')).toBe('"active" IN (1 + 1)');
  });

  test('integer and unknown columns keep numbers', () => {
    expect(sql('a = 1 AND b = 1')).toBe('"a" = 1 AND "b" = 1');
  });
});

describe('translateExpression: functions', () => {
  test.each([
    ['lower(name) = upper(name)', 'lower("name") = upper("name")'],
    ['length(name) > abs(a)', 'length("name") > abs("a")'],
    ['coalesce(a, b, 0) + nullif(a, 0)', 'coalesce("a", "b", 0) + nullif("a", 0)'],
    ["replace(name, 'a', 'b')", 'replace("name", \'a\', \'b\')'],
    ['trim(name) || ltrim(name, \'x\') || rtrim(name)', 'btrim("name") || ltrim("name", \'x\') || rtrim("name")'],
    ['ifnull(a, 0)', 'coalesce("a", 0)'],
    ["instr(name, 'x') > 0", 'strpos("name", \'x\') > 0'],
    ['substr(name, 2, 3)', 'substr("name", 2, 3)'],
    ['substring(name, 1)', 'substr("name", 1)'],
    ['round(a)', 'round(("a")::numeric, 0)'],
    ['round(a / 3.0, 2)', 'round(("a" / 3.0)::numeric, 2)'],
    ['SUM(a) + Count(*) + count(DISTINCT b) + avg(c)', 'sum("a") + count(*) + count(DISTINCT "b") + avg("c")'],
    ['count()', 'count(*)'],
    ['max(a) - min(b)', 'max("a") - min("b")'],
    ['total(a)', 'coalesce(sum("a"), 0)::float8'],
    ['group_concat(name)', 'string_agg(("name")::text, \',\')'],
    ["group_concat(DISTINCT name, '; ')", 'string_agg(DISTINCT ("name")::text, \'; \')'],
    ['iif(a > 0, 1, 2)', 'CASE WHEN "a" > 0 THEN 1 ELSE 2 END'],
    ["iif(a, 'x')", "CASE WHEN \"a\" THEN 'x' END"],
    ['likely(a = 1)', '("a" = 1)'],
    ['lower ( name )', 'lower( "name" )'],
  ])('%s → %s', (expr, expected) => {
    expect(sql(expr)).toBe(expected);
  });

  test('min()/max() with several arguments are least()/greatest(), with a note about NULLs', () => {
    expect(translateExpression('min(a, b) < max(a, b, c)', ctx)).toEqual({
      ok: true,
      sql: 'least("a", "b") < greatest("a", "b", "c")',
      notes: [
        'min() with several arguments became least(), which ignores NULLs where SQLite returns NULL',
        'max() with several arguments became greatest(), which ignores NULLs where SQLite returns NULL',
      ],
    });
  });

  test('CAST maps the type by SQLite affinity; integer casts truncate as in SQLite', () => {
    expect(translateExpression('CAST(a AS VARCHAR(10)) || CAST(b AS INT)', ctx)).toEqual({
      ok: true,
      sql: 'CAST("a" AS text) || CAST(trunc(CAST("b" AS numeric)) AS bigint)',
      notes: [CAST_NOTE],
    });
    expect(sql('CAST(1 AS INTEGER)')).toBe('CAST(1 AS bigint)');
    expect(sql('cast(b as blob)')).toBe('CAST("b" AS bytea)');
    expect(sql('CAST(b AS DOUBLE PRECISION) + CAST(b AS FLOAT) + CAST(b AS REAL)')).toBe('CAST("b" AS double precision) + CAST("b" AS double precision) + CAST("b" AS double precision)');
    expect(sql('CAST(b AS DECIMAL(10,2)) + CAST(b AS BOOLEAN)')).toBe('CAST("b" AS numeric) + CAST("b" AS numeric)');
    expect(sql('CAST(b AS CLOB) || CAST(b AS NVARCHAR(5))')).toBe('CAST("b" AS text) || CAST("b" AS text)');
  });

  test('json_valid() of a jsonb column is true, with a note; of another column, refused', () => {
    expect(translateExpression('json_valid(doc)', ctx)).toEqual({ ok: true, sql: 'true', notes: ['json_valid(doc) became true: jsonb guarantees valid JSON'] });
    expect(sql('json_valid("DOC") AND a > 0')).toBe('true AND "a" > 0');
    expect(reason('json_valid(name)')).toBe('json_valid() on a column that is not jsonb has no portable PostgreSQL translation');
  });

  test.each([
    ['typeof(a) = \'integer\'', 'typeof() has no PostgreSQL equivalent'],
    ['a > 0 AND typeof(b) = \'text\'', 'typeof() has no PostgreSQL equivalent'],
    ['printf(\'%d\', a)', 'printf() has no PostgreSQL translation'],
    ['foo(a)', 'function foo() has no known PostgreSQL translation'],
    ['hex(randomblob(16))', 'function hex() has no known PostgreSQL translation'],
    ['substr(name, -2)', 'substr() with start -2 counts from the end in SQLite; PostgreSQL has no such form'],
    ['substr(name, 0, 2)', 'substr() with start 0 counts from the end in SQLite; PostgreSQL has no such form'],
    ['substr(name, 2, -1)', 'substr() with a negative length takes characters before the start in SQLite; PostgreSQL rejects it'],
    ['instr(name)', 'instr() with 1 arguments is not translated'],
    ['sum(a) OVER (PARTITION BY b)', 'window functions and FILTER clauses are not translated'],
    ['count(*) FILTER (WHERE a > 1)', 'window functions and FILTER clauses are not translated'],
    ['group_concat(name ORDER BY a)', 'group_concat() with ORDER BY inside is not translated'],
  ])('%s is refused: %s', (expr, why) => {
    expect(reason(expr)).toBe(why);
  });

  test('substr() with a computed start is translated with a note', () => {
    expect(notes('substr(name, a)')).toEqual(['substr() with a computed start: SQLite counts a negative start from the end, PostgreSQL does not']);
  });
});

describe('translateExpression: date and time', () => {
  test.each([
    ["datetime('now')", "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"],
    ['CURRENT_TIMESTAMP', "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"],
    ['current_date', "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')"],
    ['CURRENT_TIME', "to_char(now() AT TIME ZONE 'UTC', 'HH24:MI:SS')"],
    ["date('now')", "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')"],
    ['datetime()', "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"],
    ["datetime('now', 'subsec')", "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')"],
    ["strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"],
    ["strftime('%s', 'now') * 1000", 'floor(extract(epoch FROM now()))::bigint * 1000'],
    ['unixepoch()', 'floor(extract(epoch FROM now()))::bigint'],
    ["julianday('now')", "(extract(epoch FROM now()) / 86400 + 2440587.5)"],
    ["datetime('now', '+1 hour')", "to_char((now() + interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"],
    ["datetime('now', '-7 days')", "to_char(((now() AT TIME ZONE 'UTC') + interval '-7 day'), 'YYYY-MM-DD HH24:MI:SS')"],
    ["date('now', 'start of month')", "to_char(date_trunc('month', now() AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"],
    ["created > datetime('1997-01-01')", "\"created\" > '1997-01-01 00:00:00'"],
    ["date('2020-02-29 13:14:15')", "'2020-02-29'"],
    ["julianday('2000-01-01 12:00:00')", '2451545'],
    ["unixepoch('1970-01-02')", '86400'],
    ["strftime('%Y/%m', '2021-03-04')", "'2021/03'"],
  ])('%s → %s', (expr, expected) => {
    expect(sql(expr)).toBe(expected);
  });

  test('a computed constant and localtime come with notes', () => {
    expect(notes("datetime('1997-01-01')")).toEqual(["datetime('1997-01-01') was computed to the constant '1997-01-01 00:00:00'"]);
    expect(translateExpression("datetime('now', 'localtime')", ctx)).toEqual({
      ok: true,
      sql: "to_char(LOCALTIMESTAMP, 'YYYY-MM-DD HH24:MI:SS')",
      notes: ["'localtime' uses the PostgreSQL session TimeZone, not the SQLite host's"],
    });
  });

  test.each([
    ['date(created)', "date() on a column or computed value depends on how the dates are stored; it has no direct PostgreSQL translation"],
    ["datetime(created, 'unixepoch')", "datetime() on a column or computed value depends on how the dates are stored; it has no direct PostgreSQL translation"],
    ["date('2021-02-30')", "date() of '2021-02-30', which is not a valid date"],
    ["date('yesterday')", "date() of 'yesterday' is not translated (only 'now' and YYYY-MM-DD[ HH:MM[:SS[.SSS]]] constants are)"],
    ["datetime('now', 'weekday 0')", "the date/time modifier 'weekday 0' is not translated"],
    ["datetime('now', 'utc')", "the modifier 'utc' on a UTC time shifts it by the SQLite host's offset; it has no PostgreSQL translation"],
    ["strftime('%w', 'now')", 'the strftime() specifier %w has no to_char() equivalent here'],
    ["strftime(a, 'now')", 'strftime() with a non-constant format has no PostgreSQL translation'],
    ["timediff('now', '2000-01-01')", 'timediff() has no PostgreSQL translation'],
  ])('%s is refused: %s', (expr, why) => {
    expect(reason(expr)).toBe(why);
  });
});

describe('translateExpression: subqueries and tables', () => {
  test('tables are renamed and qualified with the schema; unknown ones noted', () => {
    const r = translateExpression('a IN (SELECT x FROM Other) AND EXISTS (SELECT 1 FROM missing m WHERE m.y = b)', {
      columns: new Map([['a', 'a'], ['b', 'b_col']]),
      tables: new Map([['other', 'other_t']]),
      schema: 'app',
    });
    expect(r).toEqual({
      ok: true,
      sql: '"a" IN (SELECT "x" FROM "app"."other_t") AND EXISTS (SELECT 1 FROM "app"."missing" "m" WHERE "m"."y" = "b_col")',
      notes: ['missing is not a migrated table; the view expects a relation of that name to exist'],
    });
  });
});
