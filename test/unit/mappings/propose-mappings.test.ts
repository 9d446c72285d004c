import { describe, expect, it } from 'vitest';
import type { ColumnInfo, TableInfo } from '../../../src/model/catalog.js';
import type { TableMapping } from '../../../src/model/mapping.js';
import { proposeMapping } from '../../../src/plan/propose-mappings.js';
import type { ColumnProfile, TableProfile } from '../../../src/source/profile-columns.js';

function col(name: string, declaredType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, declaredType, notNull: false, defaultSql: null, pkOrdinal: 0, collation: null, generated: null, ...extra };
}

function table(name: string, columns: ColumnInfo[], extra: Partial<TableInfo> = {}): TableInfo {
  return { name, sql: '', withoutRowid: false, strict: false, columns, primaryKey: null, indexes: [], foreignKeys: [], checks: [], rowCount: 0, ...extra };
}

interface ProfileBits {
  rows?: number;
  nulls?: number;
  storage?: Partial<ColumnProfile['storage']>;
  text?: Partial<Omit<ColumnProfile['text'], 'dateShapes'>> & { dateShapes?: Partial<ColumnProfile['text']['dateShapes']> };
  integer?: Partial<ColumnProfile['integer']>;
  real?: Partial<ColumnProfile['real']>;
  examples?: ColumnProfile['examples'];
}

/** A column profile with everything zero/empty unless given. */
function prof(name: string, bits: ProfileBits): ColumnProfile {
  return {
    name,
    rows: bits.rows ?? 0,
    nulls: bits.nulls ?? 0,
    storage: { integer: 0, real: 0, text: 0, blob: 0, ...bits.storage },
    text: {
      jsonLike: 0,
      withNul: 0,
      maxBytes: null,
      booleanLike: 0,
      distinct: null,
      ...bits.text,
      dateShapes: { 'iso8601-offset': 0, 'iso8601-naive': 0, 'sqlite-datetime': 0, 'date-only': 0, ...bits.text?.dateShapes },
    },
    integer: { min: null, max: null, epochSeconds: 0, epochMillis: 0, epochMicros: 0, zeroOrOne: 0, ...bits.integer },
    real: { min: null, max: null, julianDay: 0, ...bits.real },
    blob: { maxBytes: null },
    examples: bits.examples ?? {},
  };
}

function tableProfile(name: string, rows: number, columns: ColumnProfile[], sampled = false): TableProfile {
  return { table: name, rows, sampled, columns };
}

describe('proposeMapping: text', () => {
  it('proposes jsonb when every value is a JSON object or array', () => {
    const t = table('posts', [col('mobiledoc', 'text')]);
    const p = tableProfile('posts', 2, [prof('mobiledoc', { rows: 2, storage: { text: 2 }, text: { jsonLike: 2 }, examples: { json: ['{"version":"0.3.1"}', '{"version":"0.3.2"}'] } })]);
    expect(proposeMapping(t, p)).toEqual({
      mapping: {
        table: 'posts',
        columns: {
          mobiledoc: {
            cast: 'jsonb',
            comment: 'all 2 values are JSON objects or arrays (json_valid)',
            evidence: { rows: 2, nonNull: 2, storage: { text: 2 }, jsonLike: 2, examples: ['{"version":"0.3.1"}', '{"version":"0.3.2"}'] },
          },
        },
      },
      notes: [],
    });
  });

  it('proposes jsonb at 99% JSON with a note about the rest, and nothing at 98%', () => {
    const t = table('events', [col('payload', 'TEXT')]);
    const at = (json: number): TableProfile => tableProfile('events', 110, [prof('payload', { rows: 110, nulls: 10, storage: { text: 100 }, text: { jsonLike: json } })]);
    expect(proposeMapping(t, at(99))).toEqual({
      mapping: {
        table: 'events',
        columns: {
          payload: {
            cast: 'jsonb',
            comment: '99 of 100 values are JSON objects or arrays (json_valid); the other 1 will be quarantined',
            evidence: { rows: 110, nonNull: 100, storage: { text: 100 }, jsonLike: 99, examples: [] },
          },
        },
      },
      notes: ['events.payload: 1 of 100 values is not a JSON object or array and will be quarantined by the jsonb cast'],
    });
    expect(proposeMapping(t, at(98))).toEqual({ mapping: { table: 'events' }, notes: [] });
  });

  it('proposes timestamptz for ISO 8601 with offsets, without a time zone', () => {
    const t = table('events', [col('at', 'TEXT')]);
    const p = tableProfile('events', 3, [prof('at', { rows: 3, storage: { text: 3 }, text: { dateShapes: { 'iso8601-offset': 3 } }, examples: { 'iso8601-offset': ['2023-03-05T09:27:57Z', '2023-03-06T10:00:00+02:00'] } })]);
    expect(proposeMapping(t, p).mapping.columns).toEqual({
      at: {
        cast: 'timestamptz',
        format: 'iso8601',
        comment: 'all 3 values are ISO 8601 text with a UTC offset',
        evidence: { rows: 3, nonNull: 3, storage: { text: 3 }, isoOffset: 3, examples: ['2023-03-05T09:27:57Z', '2023-03-06T10:00:00+02:00'] },
      },
    });
  });

  it('proposes timestamptz in UTC for naive ISO 8601 and SQLite datetime text, saying UTC is an assumption', () => {
    const t = table('posts', [col('published', 'TEXT'), col('created_at', 'datetime')]);
    const p = tableProfile('posts', 2, [
      prof('published', { rows: 2, storage: { text: 2 }, text: { dateShapes: { 'iso8601-naive': 2 } }, examples: { 'iso8601-naive': ['2023-03-05T09:27:57.123'] } }),
      prof('created_at', { rows: 2, storage: { text: 2 }, text: { dateShapes: { 'sqlite-datetime': 2 } }, examples: { 'sqlite-datetime': ['2023-03-05 09:27:57', '2023-03-05 09:27:58'] } }),
    ]);
    expect(proposeMapping(t, p).mapping.columns).toEqual({
      published: {
        cast: 'timestamptz',
        format: 'iso8601',
        timeZone: 'UTC',
        comment: 'all 2 values are ISO 8601 text without an offset; time zone UTC is an assumption: confirm it (or set "timeZone" to the zone the application wrote in)',
        evidence: { rows: 2, nonNull: 2, storage: { text: 2 }, isoNaive: 2, examples: ['2023-03-05T09:27:57.123'] },
      },
      created_at: {
        cast: 'timestamptz',
        format: 'sqlite-datetime',
        timeZone: 'UTC',
        comment: 'all 2 values are SQLite datetime text (YYYY-MM-DD HH:MM:SS) without an offset; time zone UTC is an assumption: confirm it (or set "timeZone" to the zone the application wrote in)',
        evidence: { rows: 2, nonNull: 2, storage: { text: 2 }, sqliteDatetime: 2, examples: ['2023-03-05 09:27:57', '2023-03-05 09:27:58'] },
      },
    });
  });

  it('proposes date for date-only text, and iso8601 for several date shapes with the count of each', () => {
    const t = table('people', [col('born', 'DATE'), col('seen', 'DATETIME')]);
    const p = tableProfile('people', 4, [
      prof('born', { rows: 4, nulls: 1, storage: { text: 3 }, text: { dateShapes: { 'date-only': 3 } }, examples: { 'date-only': ['1970-01-01', '1999-12-31'] } }),
      prof('seen', { rows: 4, storage: { text: 4 }, text: { dateShapes: { 'iso8601-offset': 2, 'sqlite-datetime': 2 } }, examples: { 'iso8601-offset': ['2024-01-02T03:04:05+02:00'], 'sqlite-datetime': ['2024-05-06 07:08:09'] } }),
    ]);
    expect(proposeMapping(t, p)).toEqual({
      mapping: {
        table: 'people',
        columns: {
          born: { cast: 'date', format: 'iso8601', comment: 'all 3 values are dates (YYYY-MM-DD)', evidence: { rows: 4, nonNull: 3, storage: { text: 3 }, dateOnly: 3, examples: ['1970-01-01', '1999-12-31'] } },
          seen: {
            cast: 'timestamptz',
            format: 'iso8601',
            timeZone: 'UTC',
            comment:
              'all 4 values are date text in 2 shapes (2 ISO 8601 with a UTC offset, 2 SQLite datetime (YYYY-MM-DD HH:MM:SS)), all read by iso8601; values without an offset: time zone UTC is an assumption: confirm it (or set "timeZone" to the zone the application wrote in)',
            evidence: { rows: 4, nonNull: 4, storage: { text: 4 }, shapes: { isoOffset: 2, sqliteDatetime: 2 }, examples: { isoOffset: ['2024-01-02T03:04:05+02:00'], sqliteDatetime: ['2024-05-06 07:08:09'] } },
          },
        },
      },
      notes: [],
    });
  });

  it('keeps text, with a note, when some text of a date column is no date', () => {
    const t = table('people', [col('seen', 'DATETIME')]);
    const p = tableProfile('people', 4, [prof('seen', { rows: 4, storage: { text: 4 }, text: { dateShapes: { 'sqlite-datetime': 2, 'date-only': 1 } } })]);
    expect(proposeMapping(t, p)).toEqual({
      mapping: { table: 'people' },
      notes: [
        'people.seen: 1 of 4 text values are not dates (sqlite-datetime 2, date-only 1, other text 1): kept the built-in default (text), which loads them all; to type it, map it with "cast": "timestamptz", "format": "iso8601" and the other value will be quarantined (or "onError": "null")',
      ],
    });
  });

  it('proposes boolean for t/f text only in boolean-like columns', () => {
    const t = table('users', [col('active', 'TEXT'), col('grade', 'TEXT')]);
    const bool = { rows: 3, storage: { text: 3 }, text: { booleanLike: 3, distinct: ['f', 't'] } };
    const p = tableProfile('users', 3, [prof('active', bool), prof('grade', bool)]);
    expect(proposeMapping(t, p).mapping.columns).toEqual({
      active: { cast: 'boolean', comment: 'all 3 values are boolean text (f, t)', evidence: { rows: 3, nonNull: 3, storage: { text: 3 }, booleanText: 3, examples: ['f', 't'] } },
    });
  });
});

describe('proposeMapping: integers', () => {
  // Ghost 5.37: api_keys.created_at is declared datetime but holds epoch milliseconds.
  const apiKeys = table('api_keys', [col('id', 'varchar(24)'), col('created_at', 'datetime'), col('last_seen_at', 'datetime')]);
  const apiKeysProfile = tableProfile('api_keys', 5, [
    prof('id', { rows: 5, storage: { text: 5 } }),
    prof('created_at', {
      rows: 5,
      storage: { integer: 5 },
      integer: { min: 1678008478225n, max: 1678008478272n, epochSeconds: 0, epochMillis: 5, epochMicros: 5 },
      examples: { integer: ['1678008478225', '1678008478272'] },
    }),
    prof('last_seen_at', { rows: 5, nulls: 5 }),
  ]);

  it('proposes unixepoch-ms for epoch milliseconds in a DATETIME column (Ghost api_keys.created_at)', () => {
    expect(proposeMapping(apiKeys, apiKeysProfile)).toEqual({
      mapping: {
        table: 'api_keys',
        columns: {
          created_at: {
            cast: 'timestamptz',
            format: 'unixepoch-ms',
            comment: 'all 5 values are integers that read as Unix epoch milliseconds from 2023-03-05T09:27:58.225Z to 2023-03-05T09:27:58.272Z',
            evidence: { rows: 5, nonNull: 5, storage: { integer: 5 }, epochMs: 5, examples: ['1678008478225', '1678008478272'] },
          },
        },
      },
      notes: [],
    });
  });

  it('proposes unixepoch-s for epoch seconds in a column named *_at, and never by magnitude alone', () => {
    const seconds = { rows: 2, storage: { integer: 2 }, integer: { min: 1678008478n, max: 1678009999n, epochSeconds: 2, epochMillis: 2, epochMicros: 2 }, examples: { integer: ['1678008478', '1678009999'] } };
    const t = table('jobs', [col('started_at', 'INTEGER'), col('views', 'INTEGER')]);
    const p = tableProfile('jobs', 2, [prof('started_at', seconds), prof('views', seconds)]);
    expect(proposeMapping(t, p)).toEqual({
      mapping: {
        table: 'jobs',
        columns: {
          started_at: {
            cast: 'timestamptz',
            format: 'unixepoch-s',
            comment: 'all 2 values are integers that read as Unix epoch seconds from 2023-03-05T09:27:58.000Z to 2023-03-05T09:53:19.000Z',
            evidence: { rows: 2, nonNull: 2, storage: { integer: 2 }, epochS: 2, examples: ['1678008478', '1678009999'] },
          },
        },
      },
      notes: [],
    });
  });

  it('words a single value as such', () => {
    const t = table('jobs', [col('done_at', 'INTEGER'), col('is_done', 'INTEGER')]);
    const p = tableProfile('jobs', 1, [
      prof('done_at', { rows: 1, storage: { integer: 1 }, integer: { min: 1678008478225000n, max: 1678008478225000n, epochMicros: 1 } }),
      prof('is_done', { rows: 1, storage: { integer: 1 }, integer: { min: 1n, max: 1n, zeroOrOne: 1 } }),
    ]);
    const columns = proposeMapping(t, p).mapping.columns!;
    expect([columns['done_at']!.format, columns['done_at']!.comment, columns['is_done']!.comment]).toEqual([
      'unixepoch-us',
      'the only value is an integer that reads as Unix epoch microseconds at 2023-03-05T09:27:58.225Z',
      'the only value is 0 or 1',
    ]);
  });

  it('does not read years or YYYYMMDD integers in a date column as epochs', () => {
    const t = table('people', [col('birth_date', 'INTEGER'), col('day', 'DATE')]);
    const p = tableProfile('people', 2, [
      prof('birth_date', { rows: 2, storage: { integer: 2 }, integer: { min: 1980n, max: 2001n, epochSeconds: 2, epochMillis: 2, epochMicros: 2 } }),
      prof('day', { rows: 2, storage: { integer: 2 }, integer: { min: 19991231n, max: 20230305n, epochSeconds: 2, epochMillis: 2, epochMicros: 2 } }),
    ]);
    expect(proposeMapping(t, p)).toEqual({
      mapping: { table: 'people' },
      notes: [
        'people.birth_date: integers from 1980 to 2001 in a date-like column fit no plausible Unix epoch range (1973–2100 in s, ms or µs): kept the built-in default (bigint); map it with a "format" by hand if they are dates',
        'people.day: integers from 19991231 to 20230305 in a date-like column fit no plausible Unix epoch range (1973–2100 in s, ms or µs): kept the built-in default (text); map it with a "format" by hand if they are dates',
      ],
    });
  });

  it('proposes boolean for 0/1 in BOOLEAN and is_* columns only', () => {
    const zeroOne = { rows: 4, storage: { integer: 4 }, integer: { min: 0n, max: 1n, epochSeconds: 4, epochMillis: 4, epochMicros: 4, zeroOrOne: 4 }, examples: { integer: ['0', '1'] } };
    const t = table('posts', [col('featured', 'boolean'), col('is_admin', 'INTEGER'), col('count', 'INTEGER')]);
    const p = tableProfile('posts', 4, [prof('featured', zeroOne), prof('is_admin', zeroOne), prof('count', zeroOne)]);
    const rule = { cast: 'boolean', comment: 'all 4 values are 0 or 1', evidence: { rows: 4, nonNull: 4, storage: { integer: 4 }, zeroOrOne: 4, examples: ['0', '1'] } };
    expect(proposeMapping(t, p)).toEqual({ mapping: { table: 'posts', columns: { featured: rule, is_admin: rule } }, notes: [] });
  });

  it('notes a BOOLEAN column holding other integers', () => {
    const t = table('posts', [col('featured', 'BOOLEAN')]);
    const p = tableProfile('posts', 3, [prof('featured', { rows: 3, storage: { integer: 3 }, integer: { min: 0n, max: 2n, zeroOrOne: 2 } })]);
    expect(proposeMapping(t, p)).toEqual({
      mapping: { table: 'posts' },
      notes: ['posts.featured: declared BOOLEAN but holds integers from 0 to 2: the boolean cast reads only 0 and 1, other values will be quarantined'],
    });
  });

  it('leaves an INTEGER PRIMARY KEY alone whatever its name and values', () => {
    const t = table('events', [col('created_at', 'INTEGER', { pkOrdinal: 1 })], { primaryKey: { columns: ['created_at'], rowidAlias: true, autoincrement: false } });
    const p = tableProfile('events', 1, [prof('created_at', { rows: 1, storage: { integer: 1 }, integer: { min: 1678008478n, max: 1678008478n, epochSeconds: 1, epochMillis: 1, epochMicros: 1 } })]);
    expect(proposeMapping(t, p)).toEqual({ mapping: { table: 'events' }, notes: [] });
  });
});

describe('proposeMapping: what it refuses to guess', () => {
  it('says which values the default cannot read and names the lossless cast (text, numeric, text-bytes)', () => {
    const t = table('things', [col('value', 'INTEGER'), col('price', 'NUMERIC'), col('qty', 'INTEGER'), col('pic', 'BLOB'), col('label', 'TEXT')]);
    const p = tableProfile('things', 5, [
      prof('value', { rows: 5, storage: { integer: 3, text: 1, real: 1 }, integer: { min: 1n, max: 3n }, examples: { integer: ['1', '3'], text: ['toto'], real: ['12.3'] } }),
      prof('price', { rows: 5, storage: { integer: 2, real: 3 } }),
      prof('qty', { rows: 5, storage: { integer: 4, real: 1 } }),
      prof('pic', { rows: 5, storage: { text: 5 } }),
      prof('label', { rows: 5, storage: { integer: 2, text: 3 } }),
    ]);
    expect(proposeMapping(t, p)).toEqual({
      mapping: {
        table: 'things',
        columns: {
          value: {
            comment: 'mixed storage classes (integer 3, real 1, text 1): built-in default bigint kept, 2 real/text values will be quarantined; "cast": "text" keeps them all',
            evidence: { rows: 5, nonNull: 5, storage: { integer: 3, real: 1, text: 1 }, unfit: { real: 1, text: 1 }, lossless: { cast: 'text' }, examples: { integer: ['1', '3'], real: ['12.3'], text: ['toto'] } },
          },
          qty: {
            comment: 'mixed storage classes (integer 4, real 1): built-in default bigint kept, 1 real value will be quarantined; "cast": "numeric" keeps them all',
            evidence: { rows: 5, nonNull: 5, storage: { integer: 4, real: 1 }, unfit: { real: 1 }, lossless: { cast: 'numeric' }, examples: {} },
          },
          pic: {
            comment: 'declared BLOB but holds text 5: built-in default bytea kept, 5 text values will be quarantined; "cast": "text-bytes" keeps them all',
            evidence: { rows: 5, nonNull: 5, storage: { text: 5 }, unfit: { text: 5 }, lossless: { cast: 'text-bytes' }, examples: {} },
          },
          label: {
            comment: 'mixed storage classes (integer 2, text 3): built-in default text kept, it reads them all',
            evidence: { rows: 5, nonNull: 5, storage: { integer: 2, text: 3 }, examples: {} },
          },
        },
      },
      notes: [
        'things.value: mixed storage classes (integer 3, real 1, text 1): the built-in default (bigint) cannot read 2 values (real, text), whose rows will be quarantined; to keep them all, map it with "cast": "text" (text holds numbers as their SQLite text)',
        'things.qty: mixed storage classes (integer 4, real 1): the built-in default (bigint) cannot read 1 value (real), whose rows will be quarantined; to keep them all, map it with "cast": "numeric" (numeric holds every integer and real exactly)',
        'things.pic: declared BLOB but holds text 5: the built-in default (bytea) cannot read 5 values (text), whose rows will be quarantined; to keep them all, map it with "cast": "text-bytes" (bytea holding the stored bytes of BLOBs and text)',
        'things.label: mixed storage classes (integer 2, text 3): the built-in default (text) reads them all; map the column by hand if they mean one thing',
      ],
    });
  });

  it('proposes text-bytes for BLOBs and text side by side, and notes a NULL in a primary key', () => {
    const t = table('files', [col('code', 'TEXT', { pkOrdinal: 1 }), col('data', 'BLOB')], { primaryKey: { columns: ['code'], rowidAlias: false, autoincrement: false } });
    const p = tableProfile('files', 3, [prof('code', { rows: 3, nulls: 1, storage: { text: 2 } }), prof('data', { rows: 3, storage: { blob: 2, text: 1 } })]);
    const r = proposeMapping(t, p);
    expect(r.mapping.columns?.['data']?.evidence?.['lossless']).toEqual({ cast: 'text-bytes' });
    expect(r.notes).toEqual([
      'files.code: 1 NULL in primary key column code (SQLite allows NULL in a primary key that is not an INTEGER PRIMARY KEY): PostgreSQL key columns are NOT NULL, so these rows will be quarantined; to keep them, set "primaryKey": "unique-index" in files\'s mapping (a unique constraint instead, whose columns may be NULL)',
      'files.data: mixed storage classes (text 1, blob 2): the built-in default (bytea) cannot read 1 value (text), whose rows will be quarantined; to keep them all, map it with "cast": "text-bytes" (bytea holding the stored bytes of BLOBs and text)',
    ]);
  });

  it('notes NUL bytes and keeps nul "quarantine", alongside any proposal', () => {
    const t = table('notes', [col('body', 'TEXT'), col('doc', 'TEXT')]);
    const p = tableProfile('notes', 2, [
      prof('body', { rows: 2, storage: { text: 2 }, text: { withNul: 1 } }),
      prof('doc', { rows: 2, storage: { text: 2 }, text: { withNul: 2, jsonLike: 2 } }),
    ]);
    expect(proposeMapping(t, p)).toEqual({
      mapping: {
        table: 'notes',
        columns: {
          body: { nul: 'quarantine', comment: '1 value contains NUL (U+0000)', evidence: { rows: 2, nonNull: 2, storage: { text: 2 }, withNul: 1 } },
          doc: { cast: 'jsonb', nul: 'quarantine', comment: 'all 2 values are JSON objects or arrays (json_valid)', evidence: { rows: 2, nonNull: 2, storage: { text: 2 }, jsonLike: 2, examples: [] } },
        },
      },
      notes: [
        'notes.body: 1 text value contains NUL (U+0000), which PostgreSQL text cannot hold: their rows will be quarantined ("nul": "quarantine"); set "nul": "strip" to drop the NULs instead',
        'notes.doc: 2 text values contain NUL (U+0000), which PostgreSQL text cannot hold: their rows will be quarantined ("nul": "quarantine"); set "nul": "strip" to drop the NULs instead',
      ],
    });
  });

  it('proposes nothing for an empty table and says so; says when a sample was used', () => {
    const t = table('empty', [col('created_at', 'DATETIME')]);
    expect(proposeMapping(t, tableProfile('empty', 0, [prof('created_at', {})]))).toEqual({ mapping: { table: 'empty' }, notes: ['empty: no rows to profile: nothing proposed from data, the type rules and built-in defaults apply'] });
    expect(proposeMapping(t, tableProfile('empty', 1, [prof('created_at', { rows: 1, nulls: 1 })], true))).toEqual({ mapping: { table: 'empty' }, notes: ['empty: proposals rest on a sample of 1 row'] });
  });
});

describe('proposeMapping: merging with an existing mapping', () => {
  const t = table('posts', [col('id', 'varchar(24)'), col('mobiledoc', 'text'), col('created_at', 'datetime'), col('featured', 'boolean')]);
  const p = tableProfile('posts', 2, [
    prof('id', { rows: 2, storage: { text: 2 } }),
    prof('mobiledoc', { rows: 2, storage: { text: 2 }, text: { jsonLike: 2 } }),
    prof('created_at', { rows: 2, storage: { text: 2 }, text: { dateShapes: { 'sqlite-datetime': 2 } } }),
    prof('featured', { rows: 2, storage: { integer: 2 }, integer: { min: 0n, max: 1n, zeroOrOne: 2 } }),
  ]);

  it('keeps every key the user wrote, adds only missing columns, and notes where the profile disagrees', () => {
    const existing: TableMapping = {
      $schema: './mapping.schema.json',
      table: 'posts',
      target: 'articles',
      comment: 'hand written',
      columns: {
        gone: { skip: true },
        created_at: { cast: 'timestamptz', format: 'sqlite-datetime', timeZone: 'Europe/Berlin', comment: 'we wrote local time' },
        mobiledoc: { cast: 'text' },
      },
      touchOnUpdate: 'created_at',
    };
    const { mapping, notes } = proposeMapping(t, p, existing);
    expect(mapping).toEqual({
      $schema: './mapping.schema.json',
      table: 'posts',
      target: 'articles',
      comment: 'hand written',
      columns: {
        mobiledoc: { cast: 'text' },
        created_at: { cast: 'timestamptz', format: 'sqlite-datetime', timeZone: 'Europe/Berlin', comment: 'we wrote local time' },
        featured: { cast: 'boolean', comment: 'all 2 values are 0 or 1', evidence: { rows: 2, nonNull: 2, storage: { integer: 2 }, zeroOrOne: 2, examples: [] } },
        gone: { skip: true },
      },
      touchOnUpdate: 'created_at',
    });
    expect(Object.keys(mapping.columns!)).toEqual(['mobiledoc', 'created_at', 'featured', 'gone']);
    expect(notes).toEqual([
      'posts.mobiledoc: kept your rule (cast "text"); the profile suggests cast "jsonb": all 2 values are JSON objects or arrays (json_valid)',
      'posts.created_at: kept your rule (cast "timestamptz" (sqlite-datetime, Europe/Berlin)); the profile suggests cast "timestamptz" (sqlite-datetime, UTC): all 2 values are SQLite datetime text (YYYY-MM-DD HH:MM:SS) without an offset; time zone UTC is an assumption: confirm it (or set "timeZone" to the zone the application wrote in)',
      'posts.featured: added cast "boolean"',
      'posts.gone: the mapping has a rule for it, but the table has no such column',
    ]);
  });

  it('returns the existing mapping unchanged when it already has every proposed column', () => {
    const first = proposeMapping(t, p).mapping;
    expect(proposeMapping(t, p, first)).toEqual({ mapping: first, notes: [] });
  });

  it('adds no columns to a skipped table', () => {
    expect(proposeMapping(t, p, { table: 'posts', skip: true })).toEqual({ mapping: { table: 'posts', skip: true }, notes: [] });
  });
});
