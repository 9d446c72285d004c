/**
 * Validation of mapping files: shape (the shipped JSON Schema, through ajv), then meaning
 * (cross-checked against the SQLite catalog). Every problem of every file is reported at once,
 * each as `<file>: <dot.path>: <message>` saying what to do. Pure: the shipped schemas' validators
 * are generated code (shipped-validators.ts); no connections, no clock.
 */
import { basename } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { Catalog, ColumnInfo, TableInfo } from '../model/catalog.js';
import { CAST_NAMES, DATE_FORMAT_NAMES, type CastName, type ColumnMapping, type MappingSet, type TypeRulesFile } from '../model/mapping.js';
import { compileDatePattern } from '../plan/casts/date-text.js';
import { affinityOf, castFromMapping, defaultColumnType, effectiveColumnMapping, typeRuleKey } from '../plan/resolve-column.js';
import { closestName } from './closest-name.js';
import { mappingFileName } from './mapping-file-name.js';
import * as shipped from './shipped-validators.js';

/** Result of validateMappings: errors block a run (ConfigError, exit 3); warnings are printed. */
export interface MappingValidation {
  readonly errors: string[];
  readonly warnings: string[];
}

type Segment = string | number;
type Json = Record<string, unknown>;

const DATETIME_CASTS: ReadonlySet<string> = new Set(['timestamptz', 'timestamp', 'date']);
const TOUCH_CASTS: ReadonlySet<string> = new Set(['timestamptz', 'timestamp']);
/** Formats whose values are absolute instants, so a source time zone changes nothing for timestamptz. */
const INSTANT_FORMATS: ReadonlySet<string> = new Set(['unixepoch-s', 'unixepoch-ms', 'unixepoch-us', 'julianday']);
const FORMAT_HELP = `use one of ${DATE_FORMAT_NAMES.join(', ')}, or a pattern of the case-sensitive tokens YYYY MM DD HH mm ss SSS Z separated by punctuation or spaces, e.g. "DD/MM/YYYY HH:mm:ss"`;

/**
 * What a PostgreSQL type name looks like: words (optionally schema-qualified), an optional
 * `(precision[, scale])` (also inside, as in `timestamp(3) with time zone`), and `[]` for arrays.
 * Anything else (quotes, semicolons, parentheses with text) is refused: the name goes into DDL.
 */
const PG_TYPE_NAME =
  /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?(?:\s+[A-Za-z_][A-Za-z0-9_]*)*(?:\s*\(\s*\d+\s*(?:,\s*-?\d+\s*)?\))?(?:\s+[A-Za-z_][A-Za-z0-9_]*)*(?:\s*\[\d*\])*$/;
/** `numeric`, `numeric(p)`, `numeric(p,s)` (or decimal): what castFromMapping reads for a numeric cast. */
const NUMERIC_TYPE = /^\s*(?:NUMERIC|DECIMAL)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/i;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `columns.created_at.cast`, `indexes[0].columns[1]`, `columns["Order Date"]`; `(root)` for the file itself. */
export function dotPath(segments: readonly Segment[]): string {
  if (segments.length === 0) return '(root)';
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** JSON pointer (ajv's instancePath) → segments, numbers where the data is an array. */
function pointerSegments(pointer: string, data: unknown): Segment[] {
  if (pointer === '') return [];
  const segments: Segment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      segments.push(index);
      node = node[index];
    } else {
      segments.push(key);
      node = isRecord(node) ? node[key] : undefined;
    }
  }
  return segments;
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return 'an array';
  return 'an object';
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  boolean: 'true or false',
  object: 'an object ({ ... })',
  array: 'an array ([ ... ])',
};

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function didYouMean(wanted: unknown, candidates: readonly string[]): string {
  if (typeof wanted !== 'string') return '';
  const close = closestName(wanted, candidates);
  return close === null ? '' : ` (did you mean ${JSON.stringify(close)}?)`;
}

/**
 * The validator of a table's mapping file, or of types.rules.json (whose rules are the mapping
 * schema's column rule): compiled ahead of time from the shipped schemas by ajv's standalone code
 * generation (scripts/generate-validators.mjs → shipped-validators.ts), so a run neither loads ajv
 * nor compiles them (~150 ms of CPU). Options as ajv's runtime compile had them: allErrors;
 * verbose, so errors carry the offending data and the parent schema (for the allowed keys);
 * strict. test/unit/mappings/shipped-schemas.test.ts fails when the file is stale.
 */
function validator(which: 'table' | 'rules'): ValidateFunction {
  return (which === 'table' ? shipped.table : shipped.rules) as ValidateFunction;
}

/** One ajv error in words, with the path of what it is about. */
function translateSchemaError(e: ErrorObject, data: unknown, expectedTable: string): { segments: Segment[]; message: string } {
  const segments = pointerSegments(e.instancePath, data);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = Object.keys((e.parentSchema?.['properties'] as Json | undefined) ?? {});
      const close = closestName(key, allowed);
      return {
        segments: [...segments, key],
        message: `unknown key ${JSON.stringify(key)} (allowed: ${allowed.join(', ')}): ${close === null ? 'remove it' : `did you mean ${JSON.stringify(close)}?`}`,
      };
    }
    case 'required': {
      const key = String(params['missingProperty']);
      const hint = key === 'table' ? `add "table": ${JSON.stringify(expectedTable)}` : key === 'sql' ? 'add the PostgreSQL CHECK expression as "sql", or remove the entry' : `add ${JSON.stringify(key)}`;
      return { segments: [...segments, key], message: `missing required key ${JSON.stringify(key)}: ${hint}` };
    }
    case 'type': {
      const wanted = String(params['type']);
      return { segments, message: `must be ${TYPE_WORDS[wanted] ?? wanted}, not ${describeValue(e.data)}` };
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String);
      return { segments, message: `${JSON.stringify(e.data)} is not one of ${quoteList(allowed)}${didYouMean(e.data, allowed)}` };
    }
    case 'anyOf':
      // Only `format` has an anyOf: a format name or a pattern.
      return { segments, message: `${JSON.stringify(e.data)} is not a date format${didYouMean(e.data, DATE_FORMAT_NAMES)}: ${FORMAT_HELP}` };
    case 'minLength':
      return { segments, message: 'must not be empty' };
    case 'minItems':
      return { segments, message: 'must not be empty: list at least one column, or use "expression" instead' };
    case 'propertyNames':
      return { segments, message: 'a column name must not be empty' };
    default:
      return { segments, message: e.message ?? e.keyword };
  }
}

/** Schema errors of one file, deduplicated; `paths` lets the rules skip what is already reported. */
function schemaProblems(file: string, mapping: unknown, expectedTable: string, which: 'table' | 'rules' = 'table'): { messages: string[]; paths: Set<string> } {
  const validate = validator(which);
  const messages: string[] = [];
  const paths = new Set<string>();
  if (validate(mapping)) return { messages, paths };
  const errors = validate.errors ?? [];
  // An anyOf error stands for its branches: report it alone.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  // A value of the wrong type fails its enum too: the type error says it all.
  const typePaths = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  for (const e of errors) {
    if (anyOfPaths.has(e.instancePath) && e.schemaPath.includes('/anyOf/')) continue;
    if (typePaths.has(e.instancePath) && e.keyword !== 'type') continue;
    // propertyNames reports the name twice (the minLength inside and itself): keep one.

    if (e.schemaPath.includes('/propertyNames/')) continue;
    const { segments, message } = translateSchemaError(e, mapping, expectedTable);
    const path = dotPath(segments);
    const line = `${file}: ${path}: ${message}`;
    if (!messages.includes(line)) messages.push(line);
    paths.add(path);
  }
  return { messages, paths };
}

/** Collects problems for one file, skipping paths the schema already reported. */
class FileReport {
  readonly #file: string;
  readonly #out: MappingValidation;
  readonly #schemaPaths: ReadonlySet<string>;

  constructor(file: string, out: MappingValidation, schemaPaths: ReadonlySet<string>) {
    this.#file = file;
    this.#out = out;
    this.#schemaPaths = schemaPaths;
  }

  error(segments: readonly Segment[], message: string): void {
    const path = dotPath(segments);
    if (this.#schemaPaths.has(path)) return;
    this.#out.errors.push(`${this.#file}: ${path}: ${message}`);
  }

  warning(segments: readonly Segment[], message: string): void {
    this.#out.warnings.push(`${this.#file}: ${dotPath(segments)}: ${message}`);
  }
}

function isRowidAlias(table: TableInfo, column: ColumnInfo): boolean {
  return table.primaryKey !== null && table.primaryKey.rowidAlias && table.primaryKey.columns[0] === column.name;
}

/** The cast a column will get: the mapping's, else its type rule's, else the built-in default for its declared type. */
function effectiveCast(table: TableInfo, column: ColumnInfo, own: Json, rules: TypeRulesFile | undefined): { kind: string; pgType: string; words: string } {
  const { mapping, typeRule } = effectiveColumnMapping(column, own as ColumnMapping, rules, isRowidAlias(table, column));
  const cm = (mapping ?? {}) as Json;
  const cast = cm['cast'];
  if (typeRule !== null && typeof cast === 'string' && (CAST_NAMES as readonly string[]).includes(cast)) {
    const r = castFromMapping(cast as CastName, cm as ColumnMapping);
    return { kind: r.cast.kind, pgType: r.pgType, words: `it has no "cast" and gets ${JSON.stringify(cast)} from the type rule ${JSON.stringify(typeRule)}` };
  }
  if (typeof cast === 'string' && (CAST_NAMES as readonly string[]).includes(cast)) {
    const r = castFromMapping(cast as CastName, cm as ColumnMapping);
    return { kind: r.cast.kind, pgType: r.pgType, words: `its cast is ${JSON.stringify(cast)}` };
  }
  const d = defaultColumnType(column, isRowidAlias(table, column));
  return { kind: d.cast.kind, pgType: d.pgType, words: `it has no "cast" and keeps the built-in default (${d.pgType})` };
}

/**
 * Casts that cannot read what a column's declared type stores.
 * https://www.sqlite.org/datatype3.html#type_affinity: INTEGER and REAL affinity turn any text
 * that looks like a number into a number, so hex digits lose their leading zeros before we ever
 * read them; a column declared BLOB holds bytes, which are no number, boolean, date or JSON.
 */
function impossibleCast(cast: string, column: ColumnInfo): string | null {
  const declared = column.declaredType.trim();
  const affinity = affinityOf(declared);
  if ((affinity === 'INTEGER' || affinity === 'REAL') && (cast === 'bytea' || cast === 'hex-bytea' || cast === 'text-bytes' || cast === 'uuid')) {
    const what = cast === 'uuid' ? 'UUIDs' : cast === 'bytea' || cast === 'text-bytes' ? 'binary data' : 'hex text, and turns hex strings made only of digits into numbers, losing leading zeros';
    return `cast ${JSON.stringify(cast)} cannot work on column ${JSON.stringify(column.name)} declared ${declared}: ${affinity} affinity stores numbers, not ${what} (https://www.sqlite.org/datatype3.html#type_affinity); remove "cast" or choose a numeric cast`;
  }
  if (affinity === 'BLOB' && /BLOB/i.test(declared)) {
    const blobless = ['boolean', 'integer', 'smallint', 'bigint', 'float8', 'numeric', 'json', 'jsonb', 'timestamptz', 'timestamp', 'date'];
    if (blobless.includes(cast)) {
      return `cast ${JSON.stringify(cast)} cannot work on column ${JSON.stringify(column.name)} declared ${declared}: it holds binary values, not ${cast === 'boolean' ? 'booleans' : cast.startsWith('json') ? 'JSON text' : DATETIME_CASTS.has(cast) ? 'dates' : 'numbers'} (https://www.sqlite.org/datatype3.html#storage_classes_and_datatypes); remove "cast" to keep bytea`;
    }
  }
  return null;
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function knownTimeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...zones];
}

/** A column as it will exist in PostgreSQL, for name clashes and references. */
interface TargetColumn {
  readonly source: string;
  readonly target: string;
  readonly mapped: boolean;
  readonly cast: string | undefined;
}

/** Rules for one column entry (its name is known to the catalog). */
function checkColumn(r: FileReport, table: TableInfo, column: ColumnInfo, cm: Json, rules: TypeRulesFile | undefined, base: readonly Segment[] = ['columns', column.name]): void {
  const at = (key: string): Segment[] => [...base, key];
  const cast = typeof cm['cast'] === 'string' && (CAST_NAMES as readonly string[]).includes(cm['cast']) ? (cm['cast'] as string) : undefined;
  const castValid = cast !== undefined || cm['cast'] === undefined;
  const isDatetime = cast !== undefined && DATETIME_CASTS.has(cast);
  const effective = effectiveCast(table, column, cm, rules);

  // Dates are never guessed (STYLE.md 3): the mapping says how they are written.
  const format = cm['format'];
  if (isDatetime && format === undefined) {
    r.error(at('format'), `cast ${JSON.stringify(cast)} needs a "format" saying how the dates are written: ${FORMAT_HELP}`);
  }
  if (typeof format === 'string' && castValid && !isDatetime) {
    r.error(at('format'), `"format" only applies to the timestamptz, timestamp and date casts, and ${effective.words}: remove "format" or add a date "cast"`);
  }
  if (typeof format === 'string' && isDatetime && !(DATE_FORMAT_NAMES as readonly string[]).includes(format)) {
    try {
      compileDatePattern(format);
    } catch (e) {
      r.error(at('format'), `${(e as Error).message}: a pattern needs YYYY, MM and DD once each, and mm needs HH, ss needs mm, SSS needs ss, Z needs HH`);
    }
  }

  const zone = cm['timeZone'];
  if (typeof zone === 'string') {
    if (castValid && !isDatetime) {
      r.error(at('timeZone'), `"timeZone" only applies to the timestamptz, timestamp and date casts, and ${effective.words}: remove "timeZone" or add a date "cast"`);
    } else if (!isValidTimeZone(zone)) {
      r.error(at('timeZone'), `unknown time zone ${JSON.stringify(zone)}${didYouMean(zone, knownTimeZones())}: use an IANA name such as "UTC" or "Europe/Berlin"`);
    } else if (cast === 'timestamptz' && typeof format === 'string' && INSTANT_FORMATS.has(format)) {
      r.warning(at('timeZone'), `is ignored: ${format} values are absolute instants, so the source time zone does not change them; remove "timeZone"`);
    }
  }

  if (cm['nul'] === 'strip' && castValid && effective.kind !== 'text' && effective.kind !== 'json') {
    r.error(at('nul'), `"strip" only applies to text and json casts (a NUL can only hide in text), and ${effective.words}: use "quarantine" or "fail"`);
  }

  const invalidUtf8 = cm['invalidUtf8'];
  if (typeof invalidUtf8 === 'string' && invalidUtf8 !== 'quarantine' && castValid && effective.kind !== 'text' && effective.kind !== 'json') {
    r.error(at('invalidUtf8'), `${JSON.stringify(invalidUtf8)} only applies to text and json casts (other casts refuse text with invalid UTF-8 anyway), and ${effective.words}: remove "invalidUtf8"`);
  }

  if (cast !== undefined) {
    const impossible = impossibleCast(cast, column);
    if (impossible !== null) r.error(at('cast'), impossible);
  }

  const type = cm['type'];
  if (typeof type === 'string') {
    if (!PG_TYPE_NAME.test(type.trim())) {
      r.error(at('type'), `${JSON.stringify(type)} does not look like a PostgreSQL type name (letters, digits, spaces, an optional (precision, scale), [] for arrays), e.g. varchar(24), numeric(12,2), text[]`);
    } else if (cast === 'numeric') {
      const m = NUMERIC_TYPE.exec(type);
      const precision = m?.[1] === undefined ? null : Number(m[1]);
      const scale = m?.[2] === undefined ? 0 : Number(m[2]);
      // https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-NUMERIC-DECIMAL
      if (!m || (precision !== null && (precision < 1 || precision > 1000 || scale > precision))) {
        r.error(at('type'), `with cast "numeric", "type" must be numeric(precision, scale) with 1 ≤ precision ≤ 1000 and scale ≤ precision, e.g. numeric(12,2), not ${JSON.stringify(type)}`);
      }
    } else if (cast !== undefined && cast !== 'text') {
      r.error(at('type'), `"type" is only used with the text and numeric casts; cast ${JSON.stringify(cast)} declares ${effective.pgType} itself: remove "type"`);
    } else if (cast === undefined && castValid && effective.kind !== 'text') {
      r.error(at('type'), `"type" without a "cast" is only used for columns that default to text, and this one defaults to ${effective.pgType}: add "cast": "text" or remove "type"`);
    }
  }
}

/** Where a reference to a target column (touchOnUpdate, index columns) fails, in words; null when it resolves. */
function missingTargetColumn(name: string, targets: readonly TargetColumn[], skipped: ReadonlySet<string>, table: TableInfo): string | null {
  if (targets.some((t) => t.target === name)) return null;
  if (skipped.has(name)) return `column ${JSON.stringify(name)} is skipped ("skip": true), so it does not exist in PostgreSQL`;
  const renamed = targets.find((t) => t.source === name);
  if (renamed) return `${JSON.stringify(name)} is the source name; the PostgreSQL column is ${JSON.stringify(renamed.target)}: use that`;
  return `table ${JSON.stringify(table.name)} has no target column ${JSON.stringify(name)}${didYouMean(
    name,
    targets.map((t) => t.target),
  )}: name a column as it is called in PostgreSQL`;
}

/** Rules that need the table: columns, target column names, touchOnUpdate, indexes. */
function checkTable(r: FileReport, table: TableInfo, m: Json, rules: TypeRulesFile | undefined): void {
  const columnsByName = new Map(table.columns.map((c) => [c.name, c]));
  const columnMaps = isRecord(m['columns']) ? m['columns'] : {};
  for (const [name, cm] of Object.entries(columnMaps)) {
    const column = columnsByName.get(name);
    if (!column) {
      r.error(
        ['columns', name],
        `unknown column ${JSON.stringify(name)} in table ${JSON.stringify(table.name)}${didYouMean(
          name,
          table.columns.map((c) => c.name),
        )}: fix the name or remove the entry`,
      );
      continue;
    }
    if (isRecord(cm)) checkColumn(r, table, column, cm, rules);
  }

  // Target column names: mapped targets and the unmapped columns' own names share one namespace.
  const targets: TargetColumn[] = [];
  const skipped = new Set<string>();
  for (const column of table.columns) {
    const cm = columnMaps[column.name];
    const mapped = isRecord(cm);
    if (mapped && cm['skip'] === true) {
      skipped.add(typeof cm['target'] === 'string' ? cm['target'] : column.name);
      continue;
    }
    const target = mapped && typeof cm['target'] === 'string' ? cm['target'] : column.name;
    const own = mapped && typeof cm['cast'] === 'string' ? cm['cast'] : undefined;
    const viaRule = effectiveColumnMapping(column, (mapped ? cm : undefined) as ColumnMapping | undefined, rules, isRowidAlias(table, column)).mapping?.cast;
    const cast = own ?? (typeof viaRule === 'string' ? viaRule : undefined);
    targets.push({ source: column.name, target, mapped, cast });
  }
  const byTarget = new Map<string, TargetColumn[]>();
  for (const t of targets) byTarget.set(t.target, [...(byTarget.get(t.target) ?? []), t]);
  for (const [target, owners] of byTarget) {
    if (owners.length < 2) continue;
    for (const owner of owners) {
      if (!owner.mapped) continue;
      const others = owners
        .filter((o) => o !== owner)
        .map((o) => (o.mapped ? `column ${JSON.stringify(o.source)}` : `column ${JSON.stringify(o.source)} (unmapped, it keeps its name)`))
        .join(' and ');
      const hasTarget = isRecord(columnMaps[owner.source]) && typeof (columnMaps[owner.source] as Json)['target'] === 'string';
      r.error(['columns', owner.source, ...(hasTarget ? ['target'] : [])], `target column ${JSON.stringify(target)} is also the target of ${others}: give one of them another "target", or skip one`);
    }
  }

  if (m['primaryKey'] === 'unique-index') {
    if (table.primaryKey === null) r.error(['primaryKey'], `table ${JSON.stringify(table.name)} has no PRIMARY KEY: remove "primaryKey"`);
    else if (table.primaryKey.rowidAlias) r.error(['primaryKey'], `the primary key of ${JSON.stringify(table.name)} is its INTEGER PRIMARY KEY (the rowid), which is never NULL: remove "primaryKey"`);
    else if (table.withoutRowid) r.error(['primaryKey'], `${JSON.stringify(table.name)} is a WITHOUT ROWID table, whose primary key SQLite keeps NOT NULL: remove "primaryKey"`);
  }

  const touch = m['touchOnUpdate'];
  if (typeof touch === 'string') {
    const missing = missingTargetColumn(touch, targets, skipped, table);
    if (missing !== null) {
      r.error(['touchOnUpdate'], missing);
    } else {
      const owner = targets.find((t) => t.target === touch)!;
      if (owner.cast === undefined || !TOUCH_CASTS.has(owner.cast)) {
        const has = owner.cast === undefined ? 'it has no "cast"' : `its cast is ${JSON.stringify(owner.cast)}`;
        r.error(['touchOnUpdate'], `column ${JSON.stringify(touch)} must have a timestamptz or timestamp cast for the trigger to set it, but ${has}: add "cast": "timestamptz" and its "format" to ${dotPath(['columns', owner.source])}`);
      }
    }
  }

  const indexes = Array.isArray(m['indexes']) ? (m['indexes'] as unknown[]) : [];
  indexes.forEach((index, i) => {
    if (!isRecord(index)) return;
    const hasColumns = index['columns'] !== undefined;
    const hasExpression = index['expression'] !== undefined;
    if (hasColumns === hasExpression) {
      r.error(['indexes', i], hasColumns ? 'give "columns" or "expression", not both: put the columns inside the expression' : 'give the indexed "columns" (target names) or an "expression"');
    }
    if (Array.isArray(index['columns'])) {
      (index['columns'] as unknown[]).forEach((name, j) => {
        if (typeof name !== 'string' || name === '') return;
        const missing = missingTargetColumn(name, targets, skipped, table);
        if (missing !== null) r.error(['indexes', i, 'columns', j], missing);
      });
    }
  });
}

/** What claims a PostgreSQL relation name. */
interface RelationClaim {
  readonly kind: 'table' | 'view';
  readonly source: string;
  readonly file: string | null;
  readonly explicit: boolean;
}

function describeClaim(c: RelationClaim): string {
  if (c.kind === 'view') return `view ${JSON.stringify(c.source)}`;
  if (c.file === null) return `table ${JSON.stringify(c.source)} (no mapping file, it keeps its name)`;
  return c.explicit ? `the target of table ${JSON.stringify(c.source)} (${c.file})` : `table ${JSON.stringify(c.source)} (${c.file}, which keeps its name)`;
}

/**
 * types.rules.json: its shape, then each rule as a column rule for a column of that declared type
 * (casts the type cannot store, date casts without a format, ...), no `target`/`skip`, one rule
 * per type. Returns the rules when they are sound enough to apply to the tables' checks.
 */
function checkTypeRules(entry: MappingSet['typeRules'], catalog: Catalog, out: MappingValidation): TypeRulesFile | undefined {
  if (!entry) return undefined;
  const { file, rules } = entry;
  const schema = schemaProblems(file, rules, '', 'rules');
  out.errors.push(...schema.messages);
  if (!isRecord(rules) || !isRecord(rules['types'])) return undefined;
  const r = new FileReport(file, out, schema.paths);
  const seen = new Map<string, string>();
  const declared = new Set(catalog.tables.flatMap((t) => t.columns.map((c) => typeRuleKey(c.declaredType))));
  for (const [key, rule] of Object.entries(rules['types'])) {
    if (!isRecord(rule)) continue;
    const normal = typeRuleKey(key);
    const first = seen.get(normal);
    if (first !== undefined) r.error(['types', key], `is the same declared type as ${JSON.stringify(first)} (types compare case-insensitively): keep one rule`);
    seen.set(normal, key);
    for (const k of ['target', 'skip'] as const) if (rule[k] !== undefined) r.error(['types', key, k], `${JSON.stringify(k)} names one column: put it in that table's mapping file, not in a type rule`);
    if (rule['cast'] === undefined) r.error(['types', key, 'cast'], `a type rule needs a "cast" (what every ${key} column without its own cast becomes), e.g. "cast": "timestamptz" with "format": "iso8601"`);
    const column: ColumnInfo = { name: key, declaredType: key, notNull: false, defaultSql: null, pkOrdinal: 0, collation: null, generated: null };
    const table: TableInfo = { name: '', sql: '', withoutRowid: false, strict: false, columns: [column], primaryKey: null, indexes: [], foreignKeys: [], checks: [], rowCount: 0 };
    checkColumn(r, table, column, rule, undefined, ['types', key]);
    if (!declared.has(normal)) r.warning(['types', key], `no column of the SQLite database is declared ${key}: the rule applies to nothing`);
  }
  return rules as unknown as TypeRulesFile;
}

/** Tables SQLite manages itself or that belong to a virtual table: never mapped, never warned about. */
function internalTables(catalog: Catalog): Set<string> {
  const names = new Set<string>();
  for (const t of catalog.tables) if (t.name.toLowerCase().startsWith('sqlite_')) names.add(t.name);
  for (const v of catalog.virtualTables) for (const s of v.shadowTables) names.add(s);
  return names;
}

/**
 * Validate all mapping files against the shipped schema and the catalog, reporting every problem.
 * Errors: shape, file/table name mismatch, unknown tables and columns, clashing target names,
 * date casts without a format, format/timeZone where they do nothing, invalid zones, NUL stripping
 * outside text, impossible casts, malformed type names, bad touchOnUpdate and index references.
 * Warnings: tables without a mapping file, skipped tables that others reference.
 */
export function validateMappings(mappings: MappingSet, catalog: Catalog): MappingValidation {
  const out: MappingValidation = { errors: [], warnings: [] };
  const rules = checkTypeRules(mappings.typeRules, catalog, out);
  const tables = new Map(catalog.tables.map((t) => [t.name, t]));
  const internal = internalTables(catalog);
  const entries = [...mappings.entries()].sort(([, a], [, b]) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  /** Source table → its mapping, for the files whose table exists. */
  const mapped = new Map<string, { file: string; m: Json }>();
  const mentioned = new Set<string>();

  for (const [key, { file, mapping }] of entries) {
    const m: unknown = mapping;
    const base = basename(file);
    const declared = isRecord(m) && typeof m['table'] === 'string' ? m['table'] : undefined;
    mentioned.add(declared ?? key);
    const schema = schemaProblems(file, m, declared ?? key);
    out.errors.push(...schema.messages);
    if (!isRecord(m) || declared === undefined || declared === '') continue;
    const r = new FileReport(file, out, schema.paths);

    const expectedFile = mappingFileName(declared);
    if (base !== expectedFile) {
      r.error(['table'], `${JSON.stringify(declared)} does not match the file name ${JSON.stringify(base)}: name the file ${JSON.stringify(expectedFile)}, or fix "table"`);
    }
    const table = tables.get(declared);
    if (!table || internal.has(declared)) {
      const virtual = catalog.virtualTables.find((v) => v.name === declared);
      const view = catalog.views.find((v) => v.name === declared);
      if (virtual) r.error(['table'], `${JSON.stringify(declared)} is a virtual table (${virtual.module}): its rows are not copied as data, so it cannot be mapped; delete ${base}`);
      else if (view) r.error(['table'], `${JSON.stringify(declared)} is a view: views are recreated from their SQL, not mapped; delete ${base}`);
      else if (table) r.error(['table'], `${JSON.stringify(declared)} is a table SQLite manages itself: it is not migrated; delete ${base}`);
      else {
        const candidates = catalog.tables.map((t) => t.name).filter((n) => !internal.has(n));
        r.error(['table'], `unknown table ${JSON.stringify(declared)}${didYouMean(declared, candidates)}: the SQLite database has no such table; fix the name or delete ${base}`);
      }
      continue;
    }
    mapped.set(declared, { file, m });
    checkTable(r, table, m, rules);
  }

  // Target table names share one namespace with each other and with the views.
  const claims = new Map<string, RelationClaim[]>();
  const claim = (name: string, c: RelationClaim): void => {
    claims.set(name, [...(claims.get(name) ?? []), c]);
  };
  for (const table of catalog.tables) {
    if (internal.has(table.name)) continue;
    const entry = mapped.get(table.name);
    if (entry?.m['skip'] === true) continue;
    const explicit = typeof entry?.m['target'] === 'string';
    claim(explicit ? (entry!.m['target'] as string) : table.name, { kind: 'table', source: table.name, file: entry?.file ?? null, explicit });
  }
  for (const view of catalog.views) claim(view.name, { kind: 'view', source: view.name, file: null, explicit: false });
  for (const [name, owners] of claims) {
    if (owners.length < 2) continue;
    for (const owner of owners) {
      if (owner.file === null) continue;
      const others = owners
        .filter((o) => o !== owner)
        .map(describeClaim)
        .join(' and ');
      out.errors.push(`${owner.file}: ${owner.explicit ? 'target' : 'table'}: target table ${JSON.stringify(name)} is also ${others}: give one of them another "target"`);
    }
  }

  // A skipped table that others reference: their foreign keys cannot be created.
  const byLowerName = new Map(catalog.tables.map((t) => [t.name.toLowerCase(), t.name]));
  for (const table of catalog.tables) {
    if (internal.has(table.name) || mapped.get(table.name)?.m['skip'] === true) continue;
    for (const fk of table.foreignKeys) {
      // SQLite resolves the parent table name case-insensitively.
      const parent = byLowerName.get(fk.refTable.toLowerCase());
      if (parent === undefined || parent === table.name) continue;
      const entry = mapped.get(parent);
      if (entry?.m['skip'] !== true) continue;
      out.warnings.push(
        `${entry.file}: skip: table ${JSON.stringify(parent)} is skipped, but table ${JSON.stringify(table.name)} references it (foreign key on ${fk.columns.join(', ')}): that foreign key cannot be created; skip ${JSON.stringify(table.name)} too, or migrate ${JSON.stringify(parent)}`,
      );
    }
  }

  const unmapped = catalog.tables.map((t) => t.name).filter((n) => !internal.has(n) && !mentioned.has(n));
  if (unmapped.length === 1) {
    out.warnings.push(`1 table has no mapping file and uses the built-in defaults: ${unmapped[0]}. Run \`sqlite2pg plan\` to propose typed mappings.`);
  } else if (unmapped.length > 1) {
    out.warnings.push(`${unmapped.length} tables have no mapping file and use the built-in defaults: ${unmapped.join(', ')}. Run \`sqlite2pg plan\` to propose typed mappings.`);
  }
  return out;
}
