/**
 * Mapping proposals from column profiles: what `sqlite2pg plan` writes into mapping files.
 * Pure: evidence in, proposal out. Every proposed rule carries the evidence it rests on and a
 * one-line comment. Integer dates are never guessed from magnitude alone (STYLE.md 3): a column
 * must also be declared or named like a date, and every value must sit in one plausible epoch
 * range. SQLite types belong to values, not columns: https://www.sqlite.org/datatype3.html
 */
import type { ColumnInfo, TableInfo } from '../model/catalog.js';
import type { ColumnMapping, TableMapping, TypeRulesFile } from '../model/mapping.js';
import type { ColumnProfile, DateShape, TableProfile } from '../source/profile-columns.js';
import { defaultColumnType, typeRuleKey } from './resolve-column.js';

/** A proposed mapping for one table, and what a person should know about it. */
export interface MappingProposal {
  readonly mapping: TableMapping;
  /** One line each, prefixed with `<table>.<column>:` or `<table>:`. */
  readonly notes: string[];
}

/** Share of non-NULL values that must be JSON objects/arrays to propose jsonb. */
const JSON_SHARE = 0.99;
/**
 * Lower bounds of plausible epochs: 1973-03-03 in seconds, milliseconds, microseconds. Smaller
 * integers in a date-named column are more often years, YYYYMMDD or counters than 1970s instants
 * (pgloader's year-not-epoch pitfall), so they get a note, not a proposal.
 */
const EPOCH_FLOOR = { s: 100_000_000n, ms: 100_000_000_000n, us: 100_000_000_000_000n } as const;

const STORAGE = ['integer', 'real', 'text', 'blob'] as const;
type Storage = (typeof STORAGE)[number];

/** Declared like a date (DATE, DATETIME, TIMESTAMP, TIME...) or named like one (created_at, birth_date, createdAt, start_time). */
function looksLikeDateColumn(column: ColumnInfo): boolean {
  return /DATE|TIME/i.test(column.declaredType) || /_at$/i.test(column.name) || /[a-z0-9]At$/.test(column.name) || /date|time/i.test(column.name);
}

/** Declared BOOL/BOOLEAN or named is_*, has_*, *_enabled, active (also isFoo / hasFoo). */
function looksLikeBooleanColumn(column: ColumnInfo): boolean {
  return /BOOL/i.test(column.declaredType) || /^(is|has)_/i.test(column.name) || /^(is|has)[A-Z]/.test(column.name) || /_enabled$/i.test(column.name) || /^active$/i.test(column.name);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `the only value is` / `all 5 values are`, to start a comment. */
function allAre(n: number): string {
  return n === 1 ? 'the only value is' : `all ${n} values are`;
}

/** `1 text value contains` / `2 text values contain`. */
function countContain(n: number, word: string): string {
  return `${plural(n, word)} ${n === 1 ? 'contains' : 'contain'}`;
}

function storageOf(p: ColumnProfile): Partial<Record<Storage, number>> {
  const out: Partial<Record<Storage, number>> = {};
  for (const s of STORAGE) if (p.storage[s] > 0) out[s] = p.storage[s];
  return out;
}

function baseEvidence(p: ColumnProfile): Record<string, unknown> {
  return { rows: p.rows, nonNull: p.rows - p.nulls, storage: storageOf(p) };
}

/** Epoch value → ISO text for comments (no clock involved: the value is the instant). */
function isoOf(value: bigint, unitsPerSecond: bigint): string {
  const ms = (value * 1000n) / unitsPerSecond;
  return new Date(Number(ms)).toISOString();
}

const SHAPE_EVIDENCE_KEY: Record<DateShape, string> = {
  'iso8601-offset': 'isoOffset',
  'iso8601-naive': 'isoNaive',
  'sqlite-datetime': 'sqliteDatetime',
  'date-only': 'dateOnly',
};

const ASSUMED_UTC = 'time zone UTC is an assumption: confirm it (or set "timeZone" to the zone the application wrote in)';

/** A text date shape → the rule that reads it. */
function dateRule(shape: DateShape, n: number): Pick<ColumnMapping, 'cast' | 'format' | 'timeZone' | 'comment'> {
  const all = allAre(n);
  switch (shape) {
    case 'iso8601-offset':
      return { cast: 'timestamptz', format: 'iso8601', comment: `${all} ISO 8601 text with a UTC offset` };
    case 'iso8601-naive':
      return { cast: 'timestamptz', format: 'iso8601', timeZone: 'UTC', comment: `${all} ISO 8601 text without an offset; ${ASSUMED_UTC}` };
    case 'sqlite-datetime':
      // CURRENT_TIMESTAMP and datetime('now') write UTC (https://www.sqlite.org/lang_datefunc.html), but applications may not.
      return { cast: 'timestamptz', format: 'sqlite-datetime', timeZone: 'UTC', comment: `${all} SQLite datetime text (YYYY-MM-DD HH:MM:SS) without an offset; ${ASSUMED_UTC}` };
    case 'date-only':
      return { cast: 'date', format: 'iso8601', comment: `${all} dates (YYYY-MM-DD)` };
  }
}

const SHAPE_WORDS: Record<DateShape, string> = {
  'iso8601-offset': 'ISO 8601 with a UTC offset',
  'iso8601-naive': 'ISO 8601 without an offset',
  'sqlite-datetime': 'SQLite datetime (YYYY-MM-DD HH:MM:SS)',
  'date-only': 'date only (YYYY-MM-DD)',
};

/** Text dates in several shapes (one code path writes ISO with `T` and an offset, another datetime('now')): iso8601 reads them all. */
function multiShapeRule(shapes: readonly (readonly [DateShape, number])[], nonNull: number, p: ColumnProfile): ColumnMapping {
  const naive = shapes.some(([s]) => s !== 'iso8601-offset');
  const counts = shapes.map(([s, n]) => `${n} ${SHAPE_WORDS[s]}`).join(', ');
  const dateOnly = shapes.some(([s]) => s === 'date-only') ? '; date-only values are read as midnight' : '';
  const examples: Record<string, readonly string[]> = {};
  for (const [s] of shapes) if (p.examples[s]) examples[SHAPE_EVIDENCE_KEY[s]] = p.examples[s]!;
  return {
    cast: 'timestamptz',
    format: 'iso8601',
    ...(naive ? { timeZone: 'UTC' } : {}),
    comment: `${allAre(nonNull)} date text in ${shapes.length} shapes (${counts}), all read by iso8601${dateOnly}${naive ? `; values without an offset: ${ASSUMED_UTC}` : ''}`,
    evidence: { ...baseEvidence(p), shapes: Object.fromEntries(shapes.map(([s, n]) => [SHAPE_EVIDENCE_KEY[s], n])), examples },
  };
}

/**
 * Storage classes a built-in default cannot read. INTEGER, REAL and NUMERIC affinity already
 * turned every text that looks like a number into a number, so text left there is not one
 * (https://www.sqlite.org/datatype3.html#type_affinity); a BLOB column's bytea cast reads BLOBs only.
 */
function unfitClasses(kind: string, classes: readonly Storage[]): Storage[] {
  switch (kind) {
    case 'integer':
      return classes.filter((c) => c !== 'integer');
    case 'float8':
    case 'numeric':
      return classes.filter((c) => c === 'text' || c === 'blob');
    case 'bytea':
      return classes.filter((c) => c !== 'blob');
    case 'text':
      return classes.filter((c) => c === 'blob');
    default:
      return [];
  }
}

type LosslessCast = 'numeric' | 'text' | 'text-bytes';
const LOSSLESS_WORDS: Record<LosslessCast, string> = {
  numeric: 'numeric holds every integer and real exactly',
  text: 'text holds numbers as their SQLite text',
  'text-bytes': 'bytea holding the stored bytes of BLOBs and text',
};

/** The cast that loads every value of these storage classes unchanged, if one does. */
function losslessCast(classes: readonly Storage[], kind: string): LosslessCast | null {
  // A BLOB column keeps its bytea type: text in it becomes the bytes SQLite stored.
  if (kind === 'bytea' && classes.every((c) => c === 'blob' || c === 'text')) return 'text-bytes';
  if (classes.every((c) => c === 'integer' || c === 'real')) return 'numeric';
  if (!classes.includes('blob')) return 'text';
  if (classes.every((c) => c === 'blob' || c === 'text')) return 'text-bytes';
  return null;
}

interface ColumnProposal {
  readonly rule: ColumnMapping | null;
  readonly notes: string[];
}

function proposeColumn(table: TableInfo, column: ColumnInfo, p: ColumnProfile): ColumnProposal {
  const where = `${table.name}.${column.name}`;
  const notes: string[] = [];
  const nonNull = p.rows - p.nulls;
  // A NULL in a primary key SQLite did not enforce (https://www.sqlite.org/lang_createtable.html#the_primary_key).
  const nullKey = column.pkOrdinal > 0 && p.nulls > 0 && !table.withoutRowid;
  if (nullKey) {
    notes.push(
      `${where}: ${plural(p.nulls, 'NULL')} in primary key column ${column.name} (SQLite allows NULL in a primary key that is not an INTEGER PRIMARY KEY): PostgreSQL key columns are NOT NULL, so these rows will be quarantined; to keep them, set "primaryKey": "unique-index" in ${table.name}'s mapping (a unique constraint instead, whose columns may be NULL)`,
    );
  }

  if (nonNull === 0) return { rule: null, notes };
  // An INTEGER PRIMARY KEY is the rowid: it stays a bigint identity whatever its name.
  if (table.primaryKey?.rowidAlias === true && table.primaryKey.columns[0] === column.name) return { rule: null, notes };
  const fallback = defaultColumnType(column, false);
  const nul: { nul?: 'quarantine' } = {};
  if (p.text.withNul > 0) {
    nul.nul = 'quarantine';
    notes.push(
      `${where}: ${countContain(p.text.withNul, 'text value')} NUL (U+0000), which PostgreSQL text cannot hold: their rows will be quarantined ("nul": "quarantine"); set "nul": "strip" to drop the NULs instead`,
    );
  }
  const withNul = (rule: ColumnMapping): ColumnMapping => (nul.nul === undefined ? rule : { ...rule, ...nul });
  const classes = STORAGE.filter((s) => p.storage[s] > 0);
  const only = (s: Storage): boolean => classes.length === 1 && classes[0] === s;

  // Values the built-in default cannot read: say so, and name the cast that keeps them all.
  const unfit = unfitClasses(fallback.cast.kind, classes);
  const histogram = classes.map((c) => `${c} ${p.storage[c]}`).join(', ');
  const examples: Record<string, readonly string[]> = {};
  for (const c of classes) if (p.examples[c]) examples[c] = p.examples[c]!;
  const unfitRule = (): ColumnProposal => {
    const bad = unfit.reduce((n, c) => n + p.storage[c], 0);
    const lossless = losslessCast(classes, fallback.cast.kind);
    const keep = lossless ? `to keep them all, map it with "cast": "${lossless}" (${LOSSLESS_WORDS[lossless]})` : 'no single cast reads them all: map the column by hand';
    const what = classes.length > 1 ? `mixed storage classes (${histogram})` : `declared ${column.declaredType || 'without a type'} but holds ${histogram}`;
    notes.push(`${where}: ${what}: the built-in default (${fallback.pgType}) cannot read ${bad === 1 ? '1 value' : `${bad} values`} (${unfit.join(', ')}), whose rows will be quarantined; ${keep}`);
    return {
      rule: withNul({
        comment: `${what}: built-in default ${fallback.pgType} kept, ${bad} ${unfit.join('/')} ${bad === 1 ? 'value' : 'values'} will be quarantined${lossless ? `; "cast": "${lossless}" keeps them all` : ''}`,
        evidence: { ...baseEvidence(p), unfit: Object.fromEntries(unfit.map((c) => [c, p.storage[c]])), ...(lossless ? { lossless: { cast: lossless } } : {}), examples },
      }),
      notes,
    };
  };
  // Integers and reals side by side are normal where the default cast reads both (REAL/NUMERIC affinity).
  const numericMix = classes.every((c) => c === 'integer' || c === 'real') && (fallback.cast.kind === 'float8' || fallback.cast.kind === 'numeric');
  if (classes.length > 1 && unfit.length > 0) return unfitRule();
  if (classes.length > 1 && !numericMix) {
    notes.push(`${where}: mixed storage classes (${histogram}): the built-in default (${fallback.pgType}) reads them all; map the column by hand if they mean one thing`);
    return { rule: withNul({ comment: `mixed storage classes (${histogram}): built-in default ${fallback.pgType} kept, it reads them all`, evidence: { ...baseEvidence(p), examples } }), notes };
  }

  if (only('text')) {
    if (p.text.jsonLike > 0 && p.text.jsonLike >= JSON_SHARE * nonNull) {
      const rest = nonNull - p.text.jsonLike;
      if (rest > 0) notes.push(`${where}: ${rest} of ${nonNull} values ${rest === 1 ? 'is' : 'are'} not a JSON object or array and will be quarantined by the jsonb cast`);
      const comment = rest === 0 ? `${allAre(nonNull)} ${nonNull === 1 ? 'a JSON object or array' : 'JSON objects or arrays'} (json_valid)` : `${p.text.jsonLike} of ${nonNull} values are JSON objects or arrays (json_valid); the other ${rest} will be quarantined`;
      return { rule: withNul({ cast: 'jsonb', comment, evidence: { ...baseEvidence(p), jsonLike: p.text.jsonLike, examples: p.examples.json ?? [] } }), notes };
    }
    const shapes = (Object.entries(p.text.dateShapes) as [DateShape, number][]).filter(([, n]) => n > 0);
    const shaped = shapes.reduce((sum, [, n]) => sum + n, 0);
    if (shapes.length === 1 && shaped === nonNull) {
      const [shape] = shapes[0]!;
      return {
        rule: withNul({ ...dateRule(shape, nonNull), evidence: { ...baseEvidence(p), [SHAPE_EVIDENCE_KEY[shape]]: nonNull, examples: p.examples[shape] ?? [] } }),
        notes,
      };
    }
    if (shapes.length > 1 && shaped === nonNull) {
      // iso8601 reads every shape the profile tells apart: `T` or space, with or without an offset, date only.
      return { rule: withNul(multiShapeRule(shapes, nonNull, p)), notes };
    }
    if (shapes.length > 0 && looksLikeDateColumn(column)) {
      const found = shapes.map(([s, n]) => `${s} ${n}`).join(', ');
      const others = nonNull - shaped;
      notes.push(
        `${where}: ${others} of ${nonNull} text values are not dates (${found}, other text ${others}): kept the built-in default (${fallback.pgType}), which loads them all; to type it, map it with "cast": "timestamptz", "format": "iso8601" and the other ${others === 1 ? 'value' : 'values'} will be quarantined (or "onError": "null")`,
      );
    }
    if (looksLikeBooleanColumn(column) && p.text.booleanLike === nonNull) {
      const distinct = p.text.distinct ?? [];
      return {
        rule: withNul({
          cast: 'boolean',
          comment: `${allAre(nonNull)} boolean text (${distinct.length > 0 ? distinct.join(', ') : '0/1/t/f/true/false'})`,
          evidence: { ...baseEvidence(p), booleanText: nonNull, examples: distinct },
        }),
        notes,
      };
    }
  }

  if (only('integer') && p.integer.min !== null && p.integer.max !== null) {
    const min = p.integer.min;
    const max = p.integer.max;
    if (looksLikeDateColumn(column)) {
      const epochs = [
        { format: 'unixepoch-s', key: 'epochS', count: p.integer.epochSeconds, floor: EPOCH_FLOOR.s, perSecond: 1n, unit: 'seconds' },
        { format: 'unixepoch-ms', key: 'epochMs', count: p.integer.epochMillis, floor: EPOCH_FLOOR.ms, perSecond: 1000n, unit: 'milliseconds' },
        { format: 'unixepoch-us', key: 'epochUs', count: p.integer.epochMicros, floor: EPOCH_FLOOR.us, perSecond: 1_000_000n, unit: 'microseconds' },
      ] as const;
      const fit = epochs.find((e) => e.count === nonNull && min >= e.floor);
      if (fit) {
        return {
          rule: withNul({
            cast: 'timestamptz',
            format: fit.format,
            comment: `${allAre(nonNull)} ${nonNull === 1 ? 'an integer that reads' : 'integers that read'} as Unix epoch ${fit.unit} ${min === max ? `at ${isoOf(min, fit.perSecond)}` : `from ${isoOf(min, fit.perSecond)} to ${isoOf(max, fit.perSecond)}`}`,
            evidence: { ...baseEvidence(p), [fit.key]: nonNull, examples: p.examples.integer ?? [] },
          }),
          notes,
        };
      }
      notes.push(`${where}: integers from ${min} to ${max} in a date-like column fit no plausible Unix epoch range (1973–2100 in s, ms or µs): kept the built-in default (${fallback.pgType}); map it with a "format" by hand if they are dates`);
    }
    if (looksLikeBooleanColumn(column) && p.integer.zeroOrOne === nonNull) {
      return {
        rule: withNul({ cast: 'boolean', comment: `${allAre(nonNull)} 0 or 1`, evidence: { ...baseEvidence(p), zeroOrOne: nonNull, examples: p.examples.integer ?? [] } }),
        notes,
      };
    }
    if (fallback.cast.kind === 'boolean' && p.integer.zeroOrOne < nonNull) {
      notes.push(`${where}: declared ${column.declaredType} but holds integers from ${min} to ${max}: the boolean cast reads only 0 and 1, other values will be quarantined`);
    }
  }

  if (only('real') && looksLikeDateColumn(column) && p.real.julianDay === nonNull) {
    return {
      rule: withNul({
        cast: 'timestamptz',
        format: 'julianday',
        comment: `${allAre(nonNull)} ${nonNull === 1 ? 'a real that reads as a Julian day number' : 'reals that read as Julian day numbers'} between 1970 and 2100 (SQLite julianday())`,
        evidence: { ...baseEvidence(p), julianDay: nonNull, examples: p.examples.real ?? [] },
      }),
      notes,
    };
  }

  if (unfit.length > 0) return unfitRule();
  if (nul.nul !== undefined) {
    return { rule: { nul: 'quarantine', comment: `${countContain(p.text.withNul, 'value')} NUL (U+0000)`, evidence: { ...baseEvidence(p), withNul: p.text.withNul } }, notes };
  }
  return { rule: null, notes };
}

/** PostgreSQL double-quoted identifier (as plan/identifiers.ts quoteIdent), for expressions written into mappings. */
function pgIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * For a contentful FTS table migrated as a plain table: a GIN index on the tsvector of its
 * indexed columns. 'simple' is the configuration closest to FTS's default unicode61 tokenizer
 * (no stemming, no stop words); to_tsvector with an explicit configuration is immutable, as an
 * index expression must be. https://www.postgresql.org/docs/current/textsearch-tables.html
 */
function fullTextProposal(table: TableInfo): { comment: string; indexes: TableMapping['indexes'] } | null {
  if (!table.fullText) return null;
  const indexed = table.fullText.indexed;
  const comment = `${table.fullText.module.toUpperCase()} table holding its own text (the only copy of it): migrated as a plain table with its rowid as column "rowid"${indexed.length ? `; the GIN index on to_tsvector('simple', ${indexed.join(' || ')}) replaces the full-text index (query: to_tsvector('simple', ...) @@ websearch_to_tsquery('simple', 'words'); use the same expression, or change 'simple' to your language in both)` : '; it has no indexed column'}`;
  if (indexed.length === 0) return { comment, indexes: undefined };
  const doc = indexed.map((c) => `coalesce(${pgIdent(c)}, '')`).join(` || ' ' || `);
  return { comment, indexes: [{ name: `${table.name}_fts`, expression: `to_tsvector('simple', ${doc})`, method: 'gin' }] };
}

/** The rule parts that decide conversion, for comparing a hand-written rule with a proposal. */
function describeRule(rule: ColumnMapping): string {
  if (rule.skip === true) return 'skip';
  if (rule.cast === undefined) return 'the built-in default';
  const details = [rule.format, rule.timeZone].filter((v) => v !== undefined).join(', ');
  return `cast "${rule.cast}"${details ? ` (${details})` : ''}`;
}

/**
 * Propose a mapping for `table` from its profile. Proposals: jsonb (≥ 99% JSON objects/arrays,
 * all TEXT), timestamptz/date for text in one date shape (naive values assumed UTC, said in the
 * comment), epoch integers in date-like columns, 0/1 or t/f booleans in boolean-like columns;
 * mixed storage classes and NULs get notes and keep the default. Columns with nothing to propose
 * are left out (the built-in default applies).
 *
 * With `existing`, hand edits win: every key of `existing` is kept as written, and only columns
 * it does not mention are added; notes say where the profile disagrees with it.
 */
export function proposeMapping(table: TableInfo, profile: TableProfile, existing?: TableMapping): MappingProposal {
  const notes: string[] = [];
  const proposed = new Map<string, ColumnMapping>();
  const profiles = new Map(profile.columns.map((c) => [c.name, c]));
  if (profile.rows === 0) notes.push(`${table.name}: no rows to profile: nothing proposed from data, the type rules and built-in defaults apply`);
  else if (profile.sampled) notes.push(`${table.name}: proposals rest on a sample of ${plural(profile.rows, 'row')}`);
  for (const column of table.columns) {
    const p = profiles.get(column.name);
    if (!p) continue;
    const { rule, notes: columnNotes } = proposeColumn(table, column, p);
    notes.push(...columnNotes);
    if (rule) proposed.set(column.name, rule);
  }

  const fullText = fullTextProposal(table);
  if (fullText) notes.push(`${table.name}: ${fullText.comment}`);
  if (!existing) {
    const base: TableMapping = proposed.size > 0 ? { table: table.name, columns: Object.fromEntries(proposed) } : { table: table.name };
    return { mapping: fullText ? { ...base, comment: fullText.comment, indexes: fullText.indexes } : base, notes };
  }

  const mine = existing.columns ?? {};
  const merged: Record<string, ColumnMapping> = {};
  const position = new Map(table.columns.map((c, i) => [c.name, i]));
  const names = [...new Set([...Object.keys(mine), ...proposed.keys()])].sort((a, b) => (position.get(a) ?? Infinity) - (position.get(b) ?? Infinity));
  const mergeNotes: string[] = [];
  for (const name of names) {
    const theirs = mine[name];
    const ours = proposed.get(name);
    if (theirs !== undefined) {
      merged[name] = theirs;
      if (!position.has(name)) mergeNotes.push(`${table.name}.${name}: the mapping has a rule for it, but the table has no such column`);
      else if (ours?.cast !== undefined && describeRule(theirs) !== describeRule(ours)) {
        mergeNotes.push(`${table.name}.${name}: kept your rule (${describeRule(theirs)}); the profile suggests ${describeRule(ours)}: ${ours.comment ?? ''}`);
      }
    } else if (ours !== undefined && existing.skip !== true) {
      merged[name] = ours;
      mergeNotes.push(`${table.name}.${name}: added ${describeRule(ours)}`);
    }
  }
  let mapping: TableMapping = Object.keys(merged).length > 0 || existing.columns !== undefined ? { ...existing, columns: merged } : { ...existing };
  if (fullText && existing.indexes === undefined && existing.skip !== true) {
    mapping = { ...mapping, indexes: fullText.indexes };
    mergeNotes.push(`${table.name}: added the GIN index on a tsvector expression`);
  }
  return { mapping, notes: [...notes, ...mergeNotes] };
}

/** A table as proposeTypeRules sees it: its catalog entry, profile, and the mapping proposed for it (merged with the user's). */
export interface ProfiledTable {
  readonly table: TableInfo;
  readonly profile: TableProfile;
  readonly mapping: TableMapping;
}

/** What proposeTypeRules proposes. */
export interface TypeRulesProposal {
  /** The rules file to write (the user's rules kept as written, new ones added); null when there is nothing to say. */
  readonly rules: TypeRulesFile | null;
  /** Column rules to add to table mappings (table → column → rule), for columns a new type rule must not reach. */
  readonly columns: ReadonlyMap<string, Readonly<Record<string, ColumnMapping>>>;
  /** The type rules proposed this time, with the columns they reach. */
  readonly proposed: readonly { readonly type: string; readonly rule: ColumnMapping; readonly columns: readonly string[] }[];
  readonly notes: string[];
}

/** The declared-type rule for date types the built-in default keeps as text; null for other types. */
function dateTypeRule(key: string): { cast: 'timestamptz' | 'date' } | null {
  if (/^(DATETIME|TIMESTAMP)\b/.test(key)) return { cast: 'timestamptz' };
  if (/^DATE\b/.test(key)) return { cast: 'date' };
  return null;
}

const TEXT_DATE_FORMATS: ReadonlySet<string> = new Set(['iso8601', 'sqlite-datetime']);
const MAX_LISTED = 12;

/**
 * Type rules for the whole database: one per declared date type (DATE, DATETIME, TIMESTAMP...)
 * that has columns without data to check (empty tables, all-NULL columns), so they get the type
 * the columns with data got instead of text. The rule's format is the one most columns with data
 * were proposed (iso8601 reads both ISO 8601 and SQLite datetime text); columns with data that
 * hold something else keep their own rule, and columns with data that are not all dates get an
 * explicit "cast": "text" so the new rule does not quarantine what loaded before. A rule from
 * the declared type alone is safe: a value that does not parse is quarantined, never bent.
 * Rules already in `existing` are kept as written and get no companion column rules.
 */
export function proposeTypeRules(tables: readonly ProfiledTable[], existing?: TypeRulesFile): TypeRulesProposal {
  const notes: string[] = [];
  const groups = new Map<string, { declared: string; withData: { where: string; table: string; column: string; rule: ColumnMapping | undefined }[]; without: string[] }>();
  for (const { table, profile, mapping } of tables) {
    if (mapping.skip === true) continue;
    const profiles = new Map(profile.columns.map((c) => [c.name, c]));
    for (const column of table.columns) {
      if (table.primaryKey?.rowidAlias === true && table.primaryKey.columns[0] === column.name) continue;
      const key = typeRuleKey(column.declaredType);
      if (dateTypeRule(key) === null) continue;
      const own = mapping.columns?.[column.name];
      if (own?.skip === true) continue;
      const g = groups.get(key) ?? { declared: column.declaredType.trim(), withData: [], without: [] };
      groups.set(key, g);
      const p = profiles.get(column.name);
      const where = `${table.name}.${column.name}`;
      if (p && p.rows - p.nulls > 0) g.withData.push({ where, table: table.name, column: column.name, rule: own });
      else if (own?.cast === undefined) g.without.push(where);
    }
  }
  const taken = new Set(Object.keys(existing?.types ?? {}).map(typeRuleKey));
  const types: Record<string, ColumnMapping> = { ...(existing?.types ?? {}) };
  const columns = new Map<string, Record<string, ColumnMapping>>();
  const proposed: { type: string; rule: ColumnMapping; columns: string[] }[] = [];
  for (const [key, g] of groups) {
    if (taken.has(key) || g.without.length === 0) continue;
    const base = dateTypeRule(key)!;
    // Formats of the columns with data that have a date rule of their own.
    const byFormat: Record<string, number> = {};
    let timesInDate = false;
    const notDates: typeof g.withData = [];
    for (const c of g.withData) {
      const cast = c.rule?.cast;
      if (cast === 'timestamptz' || cast === 'timestamp' || cast === 'date') {
        const format = c.rule?.format ?? 'iso8601';
        const family = TEXT_DATE_FORMATS.has(format) ? 'iso8601' : format;
        byFormat[family] = (byFormat[family] ?? 0) + 1;
        if (base.cast === 'date' && cast !== 'date') timesInDate = true;
      } else if (cast === undefined && c.rule?.type === undefined) notDates.push(c);
    }
    const [top] = Object.entries(byFormat).sort(([fa, a], [fb, b]) => b - a || (fa === 'iso8601' ? -1 : fb === 'iso8601' ? 1 : 0));
    const format = top === undefined || top[1] <= (byFormat['iso8601'] ?? 0) ? 'iso8601' : top[0];
    const cast = base.cast === 'date' && !timesInDate && TEXT_DATE_FORMATS.has(format) ? 'date' : 'timestamptz';
    const zone = cast === 'timestamptz' && TEXT_DATE_FORMATS.has(format) ? { timeZone: 'UTC' } : {};
    const dated = Object.values(byFormat).reduce((a, b) => a + b, 0);
    const formats = Object.entries(byFormat).map(([f, n]) => `${f} ${n}`).join(', ');
    const withData = g.withData.length === 0 ? 'no column of this type has data to check' : `${dated} of ${plural(g.withData.length, 'column')} with data hold dates (${formats || 'none'})${notDates.length ? `, ${notDates.length} hold other text and stay text` : ''}`;
    const rule: ColumnMapping = {
      cast,
      format,
      ...zone,
      comment:
        `${g.declared}: ${withData}; ${plural(g.without.length, 'column')} without data (empty tables, all-NULL columns) ${g.without.length === 1 ? 'gets' : 'get'} this rule from the declared type alone, which is safe: a value that does not parse as ${format} is quarantined with its reason, never bent` +
        (zone.timeZone ? `; ${ASSUMED_UTC}` : ''),
      evidence: {
        columnsWithData: g.withData.length,
        dateFormats: byFormat,
        notDates: notDates.map((c) => c.where).slice(0, MAX_LISTED),
        columnsWithoutData: g.without.length,
        appliesTo: g.without.slice(0, MAX_LISTED),
        ...(g.without.length > MAX_LISTED ? { more: g.without.length - MAX_LISTED } : {}),
      },
    };
    types[g.declared] = rule;
    proposed.push({ type: g.declared, rule, columns: g.without });
    for (const c of notDates) {
      // Columns with data the rule would reach but whose values are not all dates: keep them text (no rule of their own yet).
      const entry = columns.get(c.table) ?? {};
      const why = `not every value is a date: kept as text, so the ${g.declared} type rule (${cast}) does not quarantine them`;
      entry[c.column] = { ...(c.rule ?? {}), cast: 'text', comment: c.rule?.comment === undefined ? why : `${c.rule.comment}; ${why}` };
      notes.push(`${c.where}: ${why} (map it with "cast": "${cast}" to type it; the values that are not dates will then be quarantined)`);
      columns.set(c.table, entry);
    }
  }
  if (Object.keys(types).length === 0) return { rules: null, columns, proposed, notes };
  return { rules: { ...(existing ?? {}), types }, columns, proposed, notes };
}
