/**
 * What the SQLite database contains, as read by source/introspect-sqlite.ts.
 * Plain data: no handles, no functions, so it can be serialised into the journal and reports.
 */

export interface Catalog {
  /** Path of the file actually read (the snapshot, when one was taken). */
  readonly path: string;
  readonly sizeBytes: number;
  readonly sqliteVersion: string;
  /** `PRAGMA encoding`: UTF-8 (almost always), UTF-16le or UTF-16be. */
  readonly encoding?: string;
  readonly tables: readonly TableInfo[];
  readonly views: readonly ViewInfo[];
  readonly triggers: readonly TriggerInfo[];
  /** Virtual tables (FTS, rtree, ...) and their shadow tables are never copied as data. */
  readonly virtualTables: readonly VirtualTableInfo[];
}

export interface TableInfo {
  readonly name: string;
  /** The CREATE TABLE statement as stored in sqlite_schema. */
  readonly sql: string;
  readonly withoutRowid: boolean;
  readonly strict: boolean;
  readonly columns: readonly ColumnInfo[];
  /** Declared primary key, in key order; null when the table has none. */
  readonly primaryKey: PrimaryKeyInfo | null;
  /** Indexes, including the automatic ones that back UNIQUE constraints (origin 'u'). */
  readonly indexes: readonly IndexInfo[];
  readonly foreignKeys: readonly ForeignKeyInfo[];
  /** Table-level and column-level CHECK expressions, as SQLite SQL text. */
  readonly checks: readonly CheckInfo[];
  /** Exact row count (SELECT count(*)), read once at introspection. */
  readonly rowCount: number;
  /**
   * An FTS3/4/5 table that holds its own text (no `content=` option): migrated as a plain table,
   * read through the virtual table itself (never its shadow tables), its rowid as column `rowid`.
   * Its columns with the full-text index (`indexed`: not UNINDEXED / notindexed). Absent for ordinary tables;
   * such a table takes no triggers.
   */
  readonly fullText?: { readonly module: string; readonly indexed: readonly string[] };
}

export interface ColumnInfo {
  readonly name: string;
  /** Declared type exactly as written ('' when none). */
  readonly declaredType: string;
  readonly notNull: boolean;
  /** Default as SQLite SQL text (e.g. `'0'`, `CURRENT_TIMESTAMP`), null when none. */
  readonly defaultSql: string | null;
  /** 1-based position in the primary key, 0 when not part of it. */
  readonly pkOrdinal: number;
  /** COLLATE name declared on the column (BINARY when none). */
  readonly collation: string | null;
  /** Generated column: its expression and kind; null for ordinary columns. */
  readonly generated: { readonly expression: string; readonly stored: boolean } | null;
}

export interface PrimaryKeyInfo {
  readonly columns: readonly string[];
  /** `INTEGER PRIMARY KEY`: the column is an alias of the rowid. */
  readonly rowidAlias: boolean;
  readonly autoincrement: boolean;
  /** `CONSTRAINT name` declared for it (kept in PostgreSQL); absent/null when unnamed. */
  readonly name?: string | null;
}

export type IndexPart =
  | { readonly kind: 'column'; readonly name: string; readonly desc: boolean; readonly collation: string | null }
  | { readonly kind: 'expression'; readonly sql: string; readonly desc: boolean };

export interface IndexInfo {
  readonly name: string;
  readonly unique: boolean;
  /** c = CREATE INDEX, u = UNIQUE constraint, pk = PRIMARY KEY constraint. */
  readonly origin: 'c' | 'u' | 'pk';
  readonly parts: readonly IndexPart[];
  /** The WHERE clause of a partial index (SQLite SQL), null otherwise. */
  readonly where: string | null;
  /** CREATE INDEX statement, null for automatic indexes. */
  readonly sql: string | null;
  /** For a UNIQUE constraint (origin 'u'): its declared `CONSTRAINT name`; absent/null when unnamed. */
  readonly constraintName?: string | null;
}

export interface ForeignKeyInfo {
  /** SQLite's id for the constraint (PRAGMA foreign_key_list). */
  readonly id: number;
  readonly columns: readonly string[];
  readonly refTable: string;
  /** Referenced columns; empty means "the referenced table's primary key". */
  readonly refColumns: readonly string[];
  readonly onUpdate: string;
  readonly onDelete: string;
  /** DEFERRABLE INITIALLY DEFERRED (read from the CREATE TABLE text: the PRAGMA does not say). */
  readonly deferrable: boolean;
  /** Its declared `CONSTRAINT name` (from the CREATE TABLE text); absent/null when unnamed. */
  readonly name?: string | null;
}

export interface CheckInfo {
  /** The column it was declared on, or null for a table-level constraint. */
  readonly column: string | null;
  readonly name: string | null;
  readonly expression: string;
}

export interface ViewInfo {
  readonly name: string;
  readonly sql: string;
}

export interface TriggerInfo {
  readonly name: string;
  readonly table: string;
  readonly sql: string;
}

export interface VirtualTableInfo {
  readonly name: string;
  readonly module: string;
  readonly sql: string;
  /** Shadow tables belonging to it (e.g. `docs_content`, `docs_data`). */
  readonly shadowTables: readonly string[];
  /** Rows it holds (SELECT count(*)), null when its module is not available to count them. */
  readonly rowCount?: number | null;
  /**
   * FTS only: where the indexed text lives. `own` (the FTS table stores it, nowhere else),
   * `external` (`content='table'`: the text is in that table), `none` (contentless, `content=''`).
   */
  readonly content?: { readonly kind: 'own' | 'none' } | { readonly kind: 'external'; readonly table: string } | null;
}

/**
 * One SQLite value by storage class: INTEGER → bigint, REAL → number, TEXT → string,
 * BLOB → Buffer, NULL → null. https://www.sqlite.org/datatype3.html#storage_classes_and_datatypes
 */
export type SqliteValue = bigint | number | string | Buffer | null;
