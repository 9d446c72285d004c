/**
 * Cast rules, first match wins: the mapping file's column rule, then the type rule for the
 * declared type (types.rules.json), then the built-in default for the declared type (SQLite's
 * affinity rules, so any declared type works), then text.
 * https://www.sqlite.org/datatype3.html#determination_of_column_affinity
 */
import type { ColumnInfo } from '../model/catalog.js';
import type { ColumnMapping, CastName, TypeRulesFile } from '../model/mapping.js';
import { DATE_FORMAT_NAMES } from '../model/mapping.js';
import type { ColumnCast, DateFormat, InvalidUtf8Policy, NulPolicy, OnError } from '../model/plan.js';

export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/** SQLite §3.1: the five rules, applied in order to the declared type name. */
export function affinityOf(declaredType: string): Affinity {
  const t = declaredType.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t.trim() === '') return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

export interface ResolvedColumn {
  readonly pgType: string;
  readonly cast: ColumnCast;
  readonly onError: OnError;
  readonly nul: NulPolicy;
  readonly invalidUtf8: InvalidUtf8Policy;
  readonly reason: string;
}

const NUMERIC_TYPMOD = /^\s*(?:NUMERIC|DECIMAL)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)\s*$/i;

/** numeric(p,s) from a declared type like `DECIMAL(5,2)`, when PostgreSQL can hold that typmod. */
function numericTypmod(declared: string): { precision: number; scale: number } | null {
  const m = NUMERIC_TYPMOD.exec(declared);
  if (!m) return null;
  const precision = Number(m[1]);
  const scale = m[2] === undefined ? 0 : Number(m[2]);
  // https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-NUMERIC-DECIMAL
  if (precision < 1 || precision > 1000 || scale > precision) return null;
  return { precision, scale };
}

/** Built-in default for a column without a mapping rule: never guesses dates, never loses a value. */
export function defaultColumnType(column: ColumnInfo, rowidAlias: boolean): { pgType: string; cast: ColumnCast; reason: string } {
  const declared = column.declaredType.trim();
  const upper = declared.toUpperCase();
  if (rowidAlias) return { pgType: 'bigint', cast: { kind: 'integer', bits: 64 }, reason: 'INTEGER PRIMARY KEY (rowid alias) → bigint identity' };
  if (/^(BOOL|BOOLEAN)$/.test(upper)) return { pgType: 'boolean', cast: { kind: 'boolean' }, reason: `declared ${declared} → boolean` };
  if (/^JSONB?$/.test(upper)) return { pgType: 'jsonb', cast: { kind: 'json', target: 'jsonb' }, reason: `declared ${declared} → jsonb` };
  const affinity = affinityOf(declared);
  switch (affinity) {
    case 'INTEGER':
      // SQLite integers are 64-bit whatever the declared name (INT, SMALLINT, TINYINT...).
      return { pgType: 'bigint', cast: { kind: 'integer', bits: 64 }, reason: `affinity INTEGER (${declared}) → bigint` };
    case 'TEXT':
      return { pgType: 'text', cast: { kind: 'text' }, reason: `affinity TEXT (${declared}) → text: SQLite never enforced a length` };
    case 'REAL':
      return { pgType: 'double precision', cast: { kind: 'float8' }, reason: `affinity REAL (${declared}) → double precision` };
    case 'BLOB':
      if (upper.includes('BLOB') && !upper.includes('TEXT')) return { pgType: 'bytea', cast: { kind: 'bytea', from: 'blob' }, reason: `declared ${declared} → bytea` };
      return { pgType: 'text', cast: { kind: 'text' }, reason: declared ? `declared ${declared} → text` : 'no declared type → text' };
    case 'NUMERIC': {
      if (/^(DATE|DATETIME|TIMESTAMP|TIME)\b/.test(upper)) {
        return { pgType: 'text', cast: { kind: 'text' }, reason: `declared ${declared} kept as text: map it with a format (sqlite2pg plan proposes one)` };
      }
      const typmod = numericTypmod(declared);
      if (typmod) return { pgType: `numeric(${typmod.precision},${typmod.scale})`, cast: { kind: 'numeric', ...typmod }, reason: `affinity NUMERIC (${declared}) → numeric(${typmod.precision},${typmod.scale})` };
      return { pgType: 'numeric', cast: { kind: 'numeric', precision: null, scale: null }, reason: `affinity NUMERIC (${declared}) → numeric` };
    }
  }
}

/** A date format as written in a mapping (`iso8601`, ..., or a pattern). */
export function parseDateFormat(format: string): DateFormat {
  return (DATE_FORMAT_NAMES as readonly string[]).includes(format) ? (format as DateFormat) : { pattern: format };
}

/** Cast and declared PostgreSQL type for a mapping's `cast` (+ optional `type`, `format`, `timeZone`). */
export function castFromMapping(name: CastName, m: ColumnMapping): { pgType: string; cast: ColumnCast } {
  const tz = m.timeZone ?? 'UTC';
  switch (name) {
    case 'text':
      return { pgType: m.type ?? 'text', cast: { kind: 'text' } };
    case 'smallint':
      return { pgType: 'smallint', cast: { kind: 'integer', bits: 16 } };
    case 'integer':
      return { pgType: 'integer', cast: { kind: 'integer', bits: 32 } };
    case 'bigint':
      return { pgType: 'bigint', cast: { kind: 'integer', bits: 64 } };
    case 'float8':
      return { pgType: 'double precision', cast: { kind: 'float8' } };
    case 'numeric': {
      const typmod = m.type ? numericTypmod(m.type) : null;
      return typmod
        ? { pgType: `numeric(${typmod.precision},${typmod.scale})`, cast: { kind: 'numeric', ...typmod } }
        : { pgType: 'numeric', cast: { kind: 'numeric', precision: null, scale: null } };
    }
    case 'boolean':
      return { pgType: 'boolean', cast: { kind: 'boolean' } };
    case 'bytea':
      return { pgType: 'bytea', cast: { kind: 'bytea', from: 'blob' } };
    case 'hex-bytea':
      return { pgType: 'bytea', cast: { kind: 'bytea', from: 'hex' } };
    case 'text-bytes':
      return { pgType: 'bytea', cast: { kind: 'bytea', from: 'text-bytes' } };
    case 'json':
      return { pgType: 'json', cast: { kind: 'json', target: 'json' } };
    case 'jsonb':
      return { pgType: 'jsonb', cast: { kind: 'json', target: 'jsonb' } };
    case 'timestamptz':
    case 'timestamp':
    case 'date':
      return { pgType: name, cast: { kind: 'datetime', target: name, format: parseDateFormat(m.format ?? 'iso8601'), timeZone: tz } };
    case 'uuid':
      return { pgType: 'uuid', cast: { kind: 'uuid' } };
  }
}

/** A declared type as type rules compare it: trimmed, spaces collapsed, upper case (`varchar (255)` → `VARCHAR (255)`). */
export function typeRuleKey(declaredType: string): string {
  return declaredType.trim().replace(/\s+/g, ' ').toUpperCase();
}

/** The type rule for a column's declared type, with the key it is written under; null when none. */
export function typeRuleFor(column: ColumnInfo, rules: TypeRulesFile | undefined): { readonly key: string; readonly rule: ColumnMapping } | null {
  if (!rules) return null;
  const wanted = typeRuleKey(column.declaredType);
  const types: unknown = rules.types;
  if (typeof types !== 'object' || types === null) return null;
  for (const [key, rule] of Object.entries(types as Record<string, unknown>)) {
    // An entry that is no object has been reported by validation; it applies to nothing.
    if (typeRuleKey(key) === wanted) return typeof rule === 'object' && rule !== null && !Array.isArray(rule) ? { key, rule: rule as ColumnMapping } : null;
  }
  return null;
}

/**
 * The rule that applies to a column: its own when it has a `cast` (or a `type`, or is skipped);
 * else the type rule for its declared type, with the column rule's other keys (nul, onError, ...)
 * on top; else the column rule as written. An INTEGER PRIMARY KEY is the rowid: no type rule.
 */
export function effectiveColumnMapping(
  column: ColumnInfo,
  mapping: ColumnMapping | undefined,
  rules: TypeRulesFile | undefined,
  rowidAlias: boolean,
): { readonly mapping: ColumnMapping | undefined; readonly typeRule: string | null } {
  if (rowidAlias || mapping?.cast !== undefined || mapping?.type !== undefined || mapping?.skip === true) return { mapping, typeRule: null };
  const found = typeRuleFor(column, rules);
  if (!found || found.rule.cast === undefined) return { mapping, typeRule: null };
  const own = Object.fromEntries(Object.entries(mapping ?? {}).filter(([, v]) => v !== undefined)) as ColumnMapping;
  const { comment: _c, evidence: _e, ...rule } = found.rule;
  return { mapping: { ...rule, ...own }, typeRule: found.key };
}

/**
 * Apply the rules for one column. The mapping (and type rules) have been validated (see
 * mappings/validate-mappings.ts).
 */
export function resolveColumn(column: ColumnInfo, columnMapping: ColumnMapping | undefined, rowidAlias: boolean, rules?: TypeRulesFile): ResolvedColumn {
  const { mapping, typeRule } = effectiveColumnMapping(column, columnMapping, rules, rowidAlias);
  const onError = mapping?.onError ?? 'quarantine';
  const nul = mapping?.nul ?? 'quarantine';
  const invalidUtf8 = mapping?.invalidUtf8 ?? 'quarantine';
  if (mapping?.cast) {
    const { pgType, cast } = castFromMapping(mapping.cast, mapping);
    const via = typeRule === null ? '' : ` (type rule ${typeRule})`;
    return { pgType, cast, onError, nul, invalidUtf8, reason: `mapping${via}: cast ${mapping.cast}${mapping.format ? ` (${mapping.format}${mapping.timeZone ? `, ${mapping.timeZone}` : ''})` : ''}` };
  }
  const d = defaultColumnType(column, rowidAlias);
  if (mapping?.type && d.cast.kind === 'text') return { pgType: mapping.type, cast: d.cast, onError, nul, invalidUtf8, reason: `mapping: type ${mapping.type}` };
  return { ...d, onError, nul, invalidUtf8 };
}
