import { describe, expect, it } from 'vitest';
import type { Catalog, ColumnInfo, TableInfo } from '../../../src/model/catalog.js';
import type { MappingSet, TableMapping } from '../../../src/model/mapping.js';
import { dotPath, validateMappings } from '../../../src/mappings/validate-mappings.js';

function col(name: string, declaredType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, declaredType, notNull: false, defaultSql: null, pkOrdinal: 0, collation: null, generated: null, ...extra };
}

function table(name: string, columns: ColumnInfo[], extra: Partial<TableInfo> = {}): TableInfo {
  return { name, sql: `CREATE TABLE ${name} (...)`, withoutRowid: false, strict: false, columns, primaryKey: null, indexes: [], foreignKeys: [], checks: [], rowCount: 0, ...extra };
}

const catalog: Catalog = {
  path: 'app.db',
  sizeBytes: 4096,
  sqliteVersion: '3.45.0',
  tables: [
    table(
      'posts',
      [
        col('id', 'varchar(24)', { pkOrdinal: 1 }),
        col('title', 'varchar(200)'),
        col('created_at', 'DATETIME'),
        col('updated_at', 'DATETIME'),
        col('featured', 'BOOLEAN'),
        col('views', 'INTEGER'),
        col('price', 'REAL'),
        col('data', 'BLOB'),
        col('body', 'TEXT'),
        col('anything', ''),
        col('newsletter_id', 'INTEGER'),
        col('Order Date', 'TEXT'),
      ],
      {
        primaryKey: { columns: ['id'], rowidAlias: false, autoincrement: false },
        foreignKeys: [{ id: 0, columns: ['newsletter_id'], refTable: 'Newsletters', refColumns: ['id'], onUpdate: 'NO ACTION', onDelete: 'NO ACTION', deferrable: false }],
      },
    ),
    table('newsletters', [col('id', 'INTEGER', { pkOrdinal: 1 }), col('name', 'TEXT')], { primaryKey: { columns: ['id'], rowidAlias: true, autoincrement: false } }),
    table('tags', [col('id', 'INTEGER'), col('name', 'TEXT')]),
    table('users', [col('id', 'INTEGER'), col('email', 'TEXT')]),
    table('sqlite_sequence', [col('name', ''), col('seq', '')]),
    table('docs_data', [col('id', 'INTEGER'), col('block', 'BLOB')]),
  ],
  views: [{ name: 'post_list', sql: 'CREATE VIEW post_list AS SELECT id, title FROM posts' }],
  triggers: [],
  virtualTables: [{ name: 'docs', module: 'fts5', sql: 'CREATE VIRTUAL TABLE docs USING fts5(body)', shadowTables: ['docs_data'] }],
};

/** A MappingSet from mappings written as plain objects (possibly invalid, as users write them). */
function set(...mappings: [file: string, mapping: unknown][]): MappingSet {
  return new Map(
    mappings.map(([file, mapping]) => {
      const m = mapping as TableMapping;
      const key = typeof (mapping as { table?: unknown })?.table === 'string' ? m.table : file.replace(/\.json$/, '');
      return [key, { file: `mappings/${file}`, mapping: m }];
    }),
  );
}

const UNMAPPED_TAGS_USERS = '2 tables have no mapping file and use the built-in defaults: tags, users. Run `sqlite2pg plan` to propose typed mappings.';

/** Mappings for tags and users, so the tests below only see warnings they cause. */
const quiet: [string, unknown][] = [
  ['tags.json', { table: 'tags' }],
  ['users.json', { table: 'users' }],
];

function errorsOf(...mappings: [string, unknown][]): string[] {
  return validateMappings(set(...quiet, ...mappings), catalog).errors;
}

describe('dotPath', () => {
  it('writes keys with dots, indexes in brackets and odd names as JSON strings', () => {
    expect(dotPath([])).toBe('(root)');
    expect(dotPath(['columns', 'created_at', 'cast'])).toBe('columns.created_at.cast');
    expect(dotPath(['indexes', 0, 'columns', 1])).toBe('indexes[0].columns[1]');
    expect(dotPath(['columns', 'Order Date', 'format'])).toBe('columns["Order Date"].format');
  });
});

describe('validateMappings: a good set', () => {
  it('accepts typed mappings and only warns about unmapped tables', () => {
    const result = validateMappings(
      set(
        [
          'posts.json',
          {
            $schema: '../node_modules/sqlite2pg/mappings/mapping.schema.json',
            table: 'posts',
            target: 'articles',
            comment: 'the blog',
            columns: {
              created_at: { cast: 'timestamptz', format: 'sqlite-datetime', timeZone: 'Europe/Berlin', comment: 'local time', evidence: { rows: 2 } },
              updated_at: { cast: 'timestamptz', format: 'unixepoch-ms' },
              featured: { cast: 'boolean', onError: 'null' },
              title: { type: 'varchar(200)', nul: 'strip' },
              body: { cast: 'jsonb', nul: 'strip' },
              data: { cast: 'hex-bytea' },
              anything: { cast: 'numeric', type: 'numeric(12,2)' },
              price: { target: 'amount', cast: 'numeric', type: 'DECIMAL(10, 2)' },
              views: { skip: true },
              'Order Date': { cast: 'date', format: 'DD/MM/YYYY' },
            },
            indexes: [{ columns: ['amount', 'title'], unique: true, where: 'amount > 0' }, { name: 'posts_fts', expression: "to_tsvector('english', title)", method: 'gin' }],
            checks: [{ name: 'amount_positive', sql: 'amount >= 0' }],
            touchOnUpdate: 'updated_at',
          },
        ],
        ['newsletters.json', { table: 'newsletters', columns: { name: { cast: 'text', type: 'timestamp(3) with time zone' } } }],
      ),
      catalog,
    );
    expect(result).toEqual({ errors: [], warnings: [UNMAPPED_TAGS_USERS] });
  });

  it('says "1 table" for a single unmapped table and ignores SQLite-internal and shadow tables', () => {
    const result = validateMappings(set(['posts.json', { table: 'posts' }], ['newsletters.json', { table: 'newsletters' }], ['tags.json', { table: 'tags' }]), catalog);
    expect(result.warnings).toEqual(['1 table has no mapping file and uses the built-in defaults: users. Run `sqlite2pg plan` to propose typed mappings.']);
  });

  it('warns about every catalog table when there are no mapping files', () => {
    expect(validateMappings(new Map(), catalog)).toEqual({
      errors: [],
      warnings: ['4 tables have no mapping file and use the built-in defaults: posts, newsletters, tags, users. Run `sqlite2pg plan` to propose typed mappings.'],
    });
  });
});

describe('validateMappings: schema errors in words', () => {
  it('names unknown keys with the allowed ones and the likely typo', () => {
    expect(errorsOf(['posts.json', { table: 'posts', colums: {}, columns: { title: { tpye: 'text', zzz: 1 } } }])).toEqual([
      'mappings/posts.json: colums: unknown key "colums" (allowed: $schema, table, target, skip, primaryKey, comment, columns, indexes, checks, touchOnUpdate): did you mean "columns"?',
      'mappings/posts.json: columns.title.tpye: unknown key "tpye" (allowed: target, skip, cast, type, format, timeZone, onError, nul, invalidUtf8, comment, evidence): did you mean "type"?',
      'mappings/posts.json: columns.title.zzz: unknown key "zzz" (allowed: target, skip, cast, type, format, timeZone, onError, nul, invalidUtf8, comment, evidence): remove it',
    ]);
  });

  it('reports a missing table key with the value to add', () => {
    expect(errorsOf(['posts.json', { columns: {} }])).toEqual(['mappings/posts.json: table: missing required key "table": add "table": "posts"']);
  });

  it('reports wrong types, enums (with suggestions), empty strings and bad formats', () => {
    expect(
      errorsOf([
        'posts.json',
        {
          table: 'posts',
          skip: 'no',
          target: '',
          columns: {
            created_at: { cast: 'timestamp_tz', format: 'yyyy-mm-dd' },
            featured: { onError: 'drop', nul: 3 },
            title: [],
          },
          indexes: [{ columns: [], method: 'btre' }],
          checks: [{ name: 'x' }],
        },
      ]),
    ).toEqual([
      'mappings/posts.json: target: must not be empty',
      'mappings/posts.json: skip: must be true or false, not the string "no"',
      'mappings/posts.json: columns.created_at.cast: "timestamp_tz" is not one of "text", "integer", "smallint", "bigint", "float8", "numeric", "boolean", "bytea", "hex-bytea", "text-bytes", "json", "jsonb", "timestamptz", "timestamp", "date", "uuid" (did you mean "timestamptz"?)',
      'mappings/posts.json: columns.created_at.format: "yyyy-mm-dd" is not a date format: use one of iso8601, sqlite-datetime, unixepoch-s, unixepoch-ms, unixepoch-us, julianday, or a pattern of the case-sensitive tokens YYYY MM DD HH mm ss SSS Z separated by punctuation or spaces, e.g. "DD/MM/YYYY HH:mm:ss"',
      'mappings/posts.json: columns.featured.onError: "drop" is not one of "quarantine", "null", "fail"',
      'mappings/posts.json: columns.featured.nul: must be a string, not the number 3',
      'mappings/posts.json: columns.title: must be an object ({ ... }), not an array',
      'mappings/posts.json: indexes[0].columns: must not be empty: list at least one column, or use "expression" instead',
      'mappings/posts.json: indexes[0].method: "btre" is not one of "btree", "gin", "gist", "hash", "brin" (did you mean "btree"?)',
      'mappings/posts.json: checks[0].sql: missing required key "sql": add the PostgreSQL CHECK expression as "sql", or remove the entry',
    ]);
  });

  it('reports a file that is not an object at (root)', () => {
    expect(errorsOf(['posts.json', [1, 2]])).toEqual(['mappings/posts.json: (root): must be an object ({ ... }), not an array']);
  });

  it('quotes column names that are not identifiers in paths', () => {
    expect(errorsOf(['posts.json', { table: 'posts', columns: { 'Order Date': { cast: 'date', format: 'D/M/Y' } } }])).toEqual([
      'mappings/posts.json: columns["Order Date"].format: "D/M/Y" is not a date format: use one of iso8601, sqlite-datetime, unixepoch-s, unixepoch-ms, unixepoch-us, julianday, or a pattern of the case-sensitive tokens YYYY MM DD HH mm ss SSS Z separated by punctuation or spaces, e.g. "DD/MM/YYYY HH:mm:ss"',
    ]);
  });
});

describe('validateMappings: tables', () => {
  it('requires table to match the file name', () => {
    expect(errorsOf(['articles.json', { table: 'posts' }])).toEqual(['mappings/articles.json: table: "posts" does not match the file name "articles.json": name the file "posts.json", or fix "table"']);
  });

  it('expects the encoded file name for unsafe table names', () => {
    const odd: Catalog = { ...catalog, tables: [table('a/b', [col('x', 'TEXT')])] };
    expect(validateMappings(set(['a%2Fb.json', { table: 'a/b' }]), odd).errors).toEqual([]);
    expect(validateMappings(set(['a_b.json', { table: 'a/b' }]), odd).errors).toEqual([
      'mappings/a_b.json: table: "a/b" does not match the file name "a_b.json": name the file "a%2Fb.json", or fix "table"',
    ]);
  });

  it('rejects unknown tables, suggesting the closest, and says why views, virtual and internal tables cannot be mapped', () => {
    expect(
      errorsOf(['post.json', { table: 'post' }], ['zebra.json', { table: 'zebra' }], ['post_list.json', { table: 'post_list' }], ['docs.json', { table: 'docs' }], ['sqlite_sequence.json', { table: 'sqlite_sequence' }]),
    ).toEqual([
      'mappings/docs.json: table: "docs" is a virtual table (fts5): its rows are not copied as data, so it cannot be mapped; delete docs.json',
      'mappings/post.json: table: unknown table "post" (did you mean "posts"?): the SQLite database has no such table; fix the name or delete post.json',
      'mappings/post_list.json: table: "post_list" is a view: views are recreated from their SQL, not mapped; delete post_list.json',
      'mappings/sqlite_sequence.json: table: "sqlite_sequence" is a table SQLite manages itself: it is not migrated; delete sqlite_sequence.json',
      'mappings/zebra.json: table: unknown table "zebra": the SQLite database has no such table; fix the name or delete zebra.json',
    ]);
  });

  it('rejects two tables with one target, a target taken by an unmapped table, and a target taken by a view', () => {
    expect(
      validateMappings(
        set(['posts.json', { table: 'posts', target: 'items' }], ['tags.json', { table: 'tags', target: 'items' }], ['newsletters.json', { table: 'newsletters', target: 'users' }], ['users.json', { table: 'users', target: 'post_list' }]),
        catalog,
      ).errors,
    ).toEqual([
      'mappings/posts.json: target: target table "items" is also the target of table "tags" (mappings/tags.json): give one of them another "target"',
      'mappings/tags.json: target: target table "items" is also the target of table "posts" (mappings/posts.json): give one of them another "target"',
      'mappings/users.json: target: target table "post_list" is also view "post_list": give one of them another "target"',
    ]);
    expect(validateMappings(set(['newsletters.json', { table: 'newsletters', target: 'users' }]), catalog).errors).toEqual([
      'mappings/newsletters.json: target: target table "users" is also table "users" (no mapping file, it keeps its name): give one of them another "target"',
    ]);
  });

  it('does not count a skipped table as a target', () => {
    expect(errorsOf(['newsletters.json', { table: 'newsletters', target: 'tags' }], ['tags.json', { table: 'tags', skip: true }]).filter((e) => e.includes('target table'))).toEqual([]);
  });
});

describe('validateMappings: columns', () => {
  it('rejects unknown columns, suggesting the closest', () => {
    expect(errorsOf(['posts.json', { table: 'posts', columns: { titel: {}, zzz: { cast: 'text' } } }])).toEqual([
      'mappings/posts.json: columns.titel: unknown column "titel" in table "posts" (did you mean "title"?): fix the name or remove the entry',
      'mappings/posts.json: columns.zzz: unknown column "zzz" in table "posts": fix the name or remove the entry',
    ]);
  });

  it('rejects target column clashes, including unmapped columns that keep their names', () => {
    expect(errorsOf(['posts.json', { table: 'posts', columns: { body: { target: 'title' }, created_at: { target: 'stamp' }, updated_at: { target: 'stamp' }, views: { target: 'price', skip: true } } }])).toEqual([
      'mappings/posts.json: columns.body.target: target column "title" is also the target of column "title" (unmapped, it keeps its name): give one of them another "target", or skip one',
      'mappings/posts.json: columns.created_at.target: target column "stamp" is also the target of column "updated_at": give one of them another "target", or skip one',
      'mappings/posts.json: columns.updated_at.target: target column "stamp" is also the target of column "created_at": give one of them another "target", or skip one',
    ]);
  });

  it('requires a format for date casts and refuses format/timeZone elsewhere', () => {
    expect(
      errorsOf([
        'posts.json',
        {
          table: 'posts',
          columns: {
            created_at: { cast: 'timestamptz' },
            updated_at: { cast: 'date', format: 'DD/MM', timeZone: 'Europe/Berln' },
            featured: { format: 'iso8601' },
            views: { cast: 'bigint', timeZone: 'UTC' },
            'Order Date': { cast: 'timestamp', format: 'YYYY-MM-DD mm' },
          },
        },
      ]),
    ).toEqual([
      'mappings/posts.json: columns.created_at.format: cast "timestamptz" needs a "format" saying how the dates are written: use one of iso8601, sqlite-datetime, unixepoch-s, unixepoch-ms, unixepoch-us, julianday, or a pattern of the case-sensitive tokens YYYY MM DD HH mm ss SSS Z separated by punctuation or spaces, e.g. "DD/MM/YYYY HH:mm:ss"',
      'mappings/posts.json: columns.updated_at.format: date pattern "DD/MM" lacks YYYY: a pattern needs YYYY, MM and DD once each, and mm needs HH, ss needs mm, SSS needs ss, Z needs HH',
      'mappings/posts.json: columns.updated_at.timeZone: unknown time zone "Europe/Berln" (did you mean "Europe/Berlin"?): use an IANA name such as "UTC" or "Europe/Berlin"',
      'mappings/posts.json: columns.featured.format: "format" only applies to the timestamptz, timestamp and date casts, and it has no "cast" and keeps the built-in default (boolean): remove "format" or add a date "cast"',
      'mappings/posts.json: columns.views.timeZone: "timeZone" only applies to the timestamptz, timestamp and date casts, and its cast is "bigint": remove "timeZone" or add a date "cast"',
      'mappings/posts.json: columns["Order Date"].format: date pattern "YYYY-MM-DD mm" has mm without HH: a pattern needs YYYY, MM and DD once each, and mm needs HH, ss needs mm, SSS needs ss, Z needs HH',
    ]);
  });

  it('warns that a time zone does nothing for epoch values into timestamptz', () => {
    const result = validateMappings(set(...quiet, ['posts.json', { table: 'posts', columns: { updated_at: { cast: 'timestamptz', format: 'unixepoch-ms', timeZone: 'Europe/Berlin' } } }], ['newsletters.json', { table: 'newsletters' }]), catalog);
    expect(result).toEqual({
      errors: [],
      warnings: ['mappings/posts.json: columns.updated_at.timeZone: is ignored: unixepoch-ms values are absolute instants, so the source time zone does not change them; remove "timeZone"'],
    });
  });

  it('allows nul "strip" only where the value is text or json', () => {
    expect(errorsOf(['posts.json', { table: 'posts', columns: { views: { nul: 'strip' }, created_at: { cast: 'timestamptz', format: 'iso8601', nul: 'strip' }, body: { nul: 'strip' }, title: { cast: 'json', nul: 'strip' } } }])).toEqual([
      'mappings/posts.json: columns.views.nul: "strip" only applies to text and json casts (a NUL can only hide in text), and it has no "cast" and keeps the built-in default (bigint): use "quarantine" or "fail"',
      'mappings/posts.json: columns.created_at.nul: "strip" only applies to text and json casts (a NUL can only hide in text), and its cast is "timestamptz": use "quarantine" or "fail"',
    ]);
  });

  it('rejects casts the declared type makes impossible, and allows them on typeless and text columns', () => {
    expect(
      errorsOf([
        'posts.json',
        {
          table: 'posts',
          columns: {
            views: { cast: 'hex-bytea' },
            price: { cast: 'uuid' },
            data: { cast: 'boolean' },
            newsletter_id: { cast: 'bytea' },
            anything: { cast: 'bytea' },
            body: { cast: 'hex-bytea' },
          },
        },
      ]),
    ).toEqual([
      'mappings/posts.json: columns.views.cast: cast "hex-bytea" cannot work on column "views" declared INTEGER: INTEGER affinity stores numbers, not hex text, and turns hex strings made only of digits into numbers, losing leading zeros (https://www.sqlite.org/datatype3.html#type_affinity); remove "cast" or choose a numeric cast',
      'mappings/posts.json: columns.price.cast: cast "uuid" cannot work on column "price" declared REAL: REAL affinity stores numbers, not UUIDs (https://www.sqlite.org/datatype3.html#type_affinity); remove "cast" or choose a numeric cast',
      'mappings/posts.json: columns.data.cast: cast "boolean" cannot work on column "data" declared BLOB: it holds binary values, not booleans (https://www.sqlite.org/datatype3.html#storage_classes_and_datatypes); remove "cast" to keep bytea',
      'mappings/posts.json: columns.newsletter_id.cast: cast "bytea" cannot work on column "newsletter_id" declared INTEGER: INTEGER affinity stores numbers, not binary data (https://www.sqlite.org/datatype3.html#type_affinity); remove "cast" or choose a numeric cast',
    ]);
    expect(errorsOf(['posts.json', { table: 'posts', columns: { data: { cast: 'jsonb' } } }])).toEqual([
      'mappings/posts.json: columns.data.cast: cast "jsonb" cannot work on column "data" declared BLOB: it holds binary values, not JSON text (https://www.sqlite.org/datatype3.html#storage_classes_and_datatypes); remove "cast" to keep bytea',
    ]);
  });

  it('checks that type looks like a PostgreSQL type and is used where it has an effect', () => {
    expect(
      errorsOf([
        'posts.json',
        {
          table: 'posts',
          columns: {
            title: { type: 'text; DROP TABLE posts' },
            body: { cast: 'text', type: 'varchar(24' },
            views: { cast: 'integer', type: 'int4' },
            price: { cast: 'numeric', type: 'money' },
            anything: { cast: 'numeric', type: 'numeric(3,5)' },
            newsletter_id: { type: 'varchar(10)' },
            'Order Date': { type: 'citext[]' },
          },
        },
      ]),
    ).toEqual([
      'mappings/posts.json: columns.title.type: "text; DROP TABLE posts" does not look like a PostgreSQL type name (letters, digits, spaces, an optional (precision, scale), [] for arrays), e.g. varchar(24), numeric(12,2), text[]',
      'mappings/posts.json: columns.body.type: "varchar(24" does not look like a PostgreSQL type name (letters, digits, spaces, an optional (precision, scale), [] for arrays), e.g. varchar(24), numeric(12,2), text[]',
      'mappings/posts.json: columns.views.type: "type" is only used with the text and numeric casts; cast "integer" declares integer itself: remove "type"',
      'mappings/posts.json: columns.price.type: with cast "numeric", "type" must be numeric(precision, scale) with 1 ≤ precision ≤ 1000 and scale ≤ precision, e.g. numeric(12,2), not "money"',
      'mappings/posts.json: columns.anything.type: with cast "numeric", "type" must be numeric(precision, scale) with 1 ≤ precision ≤ 1000 and scale ≤ precision, e.g. numeric(12,2), not "numeric(3,5)"',
      'mappings/posts.json: columns.newsletter_id.type: "type" without a "cast" is only used for columns that default to text, and this one defaults to bigint: add "cast": "text" or remove "type"',
    ]);
  });
});

describe('validateMappings: touchOnUpdate and indexes', () => {
  it('requires touchOnUpdate to name a target column with a timestamp cast', () => {
    const touch = (touchOnUpdate: string, columns: Record<string, unknown> = {}): string[] => errorsOf(['posts.json', { table: 'posts', touchOnUpdate, columns }]);
    expect(touch('updatd_at')).toEqual(['mappings/posts.json: touchOnUpdate: table "posts" has no target column "updatd_at" (did you mean "updated_at"?): name a column as it is called in PostgreSQL']);
    expect(touch('updated_at')).toEqual([
      'mappings/posts.json: touchOnUpdate: column "updated_at" must have a timestamptz or timestamp cast for the trigger to set it, but it has no "cast": add "cast": "timestamptz" and its "format" to columns.updated_at',
    ]);
    expect(touch('changed', { updated_at: { target: 'changed', cast: 'date', format: 'iso8601' } })).toEqual([
      'mappings/posts.json: touchOnUpdate: column "changed" must have a timestamptz or timestamp cast for the trigger to set it, but its cast is "date": add "cast": "timestamptz" and its "format" to columns.updated_at',
    ]);
    expect(touch('updated_at', { updated_at: { target: 'changed', cast: 'timestamp', format: 'iso8601' } })).toEqual([
      'mappings/posts.json: touchOnUpdate: "updated_at" is the source name; the PostgreSQL column is "changed": use that',
    ]);
    expect(touch('updated_at', { updated_at: { skip: true } })).toEqual(['mappings/posts.json: touchOnUpdate: column "updated_at" is skipped ("skip": true), so it does not exist in PostgreSQL']);
    expect(touch('changed', { updated_at: { target: 'changed', cast: 'timestamp', format: 'iso8601' } })).toEqual([]);
  });

  it('requires each extra index to have columns or an expression, naming existing target columns', () => {
    expect(
      errorsOf([
        'posts.json',
        {
          table: 'posts',
          columns: { price: { target: 'amount' }, views: { skip: true } },
          indexes: [{ columns: ['title'], expression: 'lower(title)' }, { unique: true }, { columns: ['amount', 'price', 'views', 'titl'] }, { expression: 'lower(title)', method: 'gin' }],
        },
      ]),
    ).toEqual([
      'mappings/posts.json: indexes[0]: give "columns" or "expression", not both: put the columns inside the expression',
      'mappings/posts.json: indexes[1]: give the indexed "columns" (target names) or an "expression"',
      'mappings/posts.json: indexes[2].columns[1]: "price" is the source name; the PostgreSQL column is "amount": use that',
      'mappings/posts.json: indexes[2].columns[2]: column "views" is skipped ("skip": true), so it does not exist in PostgreSQL',
      'mappings/posts.json: indexes[2].columns[3]: table "posts" has no target column "titl" (did you mean "title"?): name a column as it is called in PostgreSQL',
    ]);
  });
});

describe('validateMappings: warnings', () => {
  it('warns when a skipped table is referenced by a foreign key (parent names match case-insensitively)', () => {
    const result = validateMappings(set(...quiet, ['posts.json', { table: 'posts' }], ['newsletters.json', { table: 'newsletters', skip: true }]), catalog);
    expect(result).toEqual({
      errors: [],
      warnings: [
        'mappings/newsletters.json: skip: table "newsletters" is skipped, but table "posts" references it (foreign key on newsletter_id): that foreign key cannot be created; skip "posts" too, or migrate "newsletters"',
      ],
    });
  });

  it('does not warn when the referencing table is skipped too', () => {
    const result = validateMappings(set(...quiet, ['posts.json', { table: 'posts', skip: true }], ['newsletters.json', { table: 'newsletters', skip: true }]), catalog);
    expect(result).toEqual({ errors: [], warnings: [] });
  });
});

describe('validateMappings: every problem at once', () => {
  it('reports schema and catalog problems of all files in one result, file by file', () => {
    const result = validateMappings(
      set(
        ['posts.json', { table: 'posts', colour: 'red', columns: { created_at: { cast: 'timestamptz' }, titel: {}, views: { cast: 'hex-bytea' } }, touchOnUpdate: 'nope' }],
        ['newsletter.json', { table: 'newsletter', skip: 'yes' }],
      ),
      catalog,
    );
    expect(result).toEqual({
      errors: [
        'mappings/newsletter.json: skip: must be true or false, not the string "yes"',
        'mappings/newsletter.json: table: unknown table "newsletter" (did you mean "newsletters"?): the SQLite database has no such table; fix the name or delete newsletter.json',
        'mappings/posts.json: colour: unknown key "colour" (allowed: $schema, table, target, skip, primaryKey, comment, columns, indexes, checks, touchOnUpdate): remove it',
        'mappings/posts.json: columns.created_at.format: cast "timestamptz" needs a "format" saying how the dates are written: use one of iso8601, sqlite-datetime, unixepoch-s, unixepoch-ms, unixepoch-us, julianday, or a pattern of the case-sensitive tokens YYYY MM DD HH mm ss SSS Z separated by punctuation or spaces, e.g. "DD/MM/YYYY HH:mm:ss"',
        'mappings/posts.json: columns.titel: unknown column "titel" in table "posts" (did you mean "title"?): fix the name or remove the entry',
        'mappings/posts.json: columns.views.cast: cast "hex-bytea" cannot work on column "views" declared INTEGER: INTEGER affinity stores numbers, not hex text, and turns hex strings made only of digits into numbers, losing leading zeros (https://www.sqlite.org/datatype3.html#type_affinity); remove "cast" or choose a numeric cast',
        'mappings/posts.json: touchOnUpdate: table "posts" has no target column "nope": name a column as it is called in PostgreSQL',
      ],
      warnings: ['3 tables have no mapping file and use the built-in defaults: newsletters, tags, users. Run `sqlite2pg plan` to propose typed mappings.'],
    });
  });
});
