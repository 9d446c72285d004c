/**
 * The shape of one mapping file: `mappings/<source table>.json`, validated by
 * mappings/mapping.schema.json (shipped) and cross-checked against the SQLite catalog.
 * Casts are data: column rule > type rule > built-in default > text.
 */
import type { InvalidUtf8Policy, NulPolicy, OnError } from './plan.js';

/** Names of casts a mapping can ask for. */
export const CAST_NAMES = [
  'text',
  'integer',
  'smallint',
  'bigint',
  'float8',
  'numeric',
  'boolean',
  'bytea',
  'hex-bytea',
  'text-bytes',
  'json',
  'jsonb',
  'timestamptz',
  'timestamp',
  'date',
  'uuid',
] as const;
export type CastName = (typeof CAST_NAMES)[number];

export const DATE_FORMAT_NAMES = ['iso8601', 'sqlite-datetime', 'unixepoch-s', 'unixepoch-ms', 'unixepoch-us', 'julianday'] as const;

export interface ColumnMapping {
  /** Target column name (default: the source name). */
  readonly target?: string;
  /** Do not migrate this column. */
  readonly skip?: boolean;
  readonly cast?: CastName;
  /** PostgreSQL type to declare, when not implied by the cast (e.g. `numeric(12,2)`, `varchar(24)`). */
  readonly type?: string;
  /** For timestamptz/timestamp/date casts: one of DATE_FORMAT_NAMES or a pattern like `DD/MM/YYYY HH:mm:ss`. */
  readonly format?: string;
  /** IANA time zone of values written without an offset (default UTC). */
  readonly timeZone?: string;
  readonly onError?: OnError;
  readonly nul?: NulPolicy;
  /** TEXT whose stored bytes are not valid UTF-8 (default quarantine). */
  readonly invalidUtf8?: InvalidUtf8Policy;
  /** Free text: why this rule (the planner writes its evidence here). */
  readonly comment?: string;
  /** Planner's evidence, kept so a reviewer sees why a cast was proposed. */
  readonly evidence?: Record<string, unknown>;
}

export interface ExtraIndexMapping {
  readonly name?: string;
  /** Column names (target names) or `expression` */
  readonly columns?: readonly string[];
  /** A PostgreSQL expression, e.g. `to_tsvector('english', title)`. */
  readonly expression?: string;
  readonly method?: 'btree' | 'gin' | 'gist' | 'hash' | 'brin';
  readonly unique?: boolean;
  /** PostgreSQL predicate for a partial index. */
  readonly where?: string;
}

export interface TableMapping {
  readonly $schema?: string;
  /** Source table name; must match the file name without `.json`. */
  readonly table: string;
  /** Target table name (default: the source name). */
  readonly target?: string;
  /** Do not migrate this table. */
  readonly skip?: boolean;
  /**
   * `unique-index`: the SQLite primary key becomes a UNIQUE constraint whose columns may be NULL
   * (SQLite allows NULL in a PRIMARY KEY that is not an INTEGER PRIMARY KEY); default `primary-key`.
   */
  readonly primaryKey?: 'primary-key' | 'unique-index';
  readonly columns?: Readonly<Record<string, ColumnMapping>>;
  /** PostgreSQL-side indexes the SQLite database never had. */
  readonly indexes?: readonly ExtraIndexMapping[];
  /** PostgreSQL-side CHECK constraints (PostgreSQL SQL). */
  readonly checks?: readonly { readonly name?: string; readonly sql: string }[];
  /** Target column kept current by a `BEFORE UPDATE` trigger (e.g. `updated_at`). */
  readonly touchOnUpdate?: string;
  readonly comment?: string;
}

/**
 * `<mappings dir>/types.rules.json`: one rule per declared SQLite type, for every column of that
 * type that has no `cast` of its own (column rule > type rule > built-in default > text).
 * Validated by mappings/type-rules.schema.json; each rule is a column rule without `target`/`skip`.
 * The name has a dot, which no table's mapping file name can have (mapping-file-name.ts).
 */
export interface TypeRulesFile {
  readonly $schema?: string;
  readonly comment?: string;
  /** Declared type (compared case-insensitively, spaces collapsed) → the rule, e.g. `"DATETIME": {"cast": "timestamptz", ...}`. */
  readonly types: Readonly<Record<string, ColumnMapping>>;
}

/** File name of the type rules, inside the mappings directory. */
export const TYPE_RULES_FILE = 'types.rules.json';

/**
 * All mapping files of a directory, keyed by source table name; `typeRules` is the directory's
 * types.rules.json, when it has one.
 */
export type MappingSet = ReadonlyMap<string, { readonly file: string; readonly mapping: TableMapping }> & {
  readonly typeRules?: { readonly file: string; readonly rules: TypeRulesFile } | undefined;
};
