/**
 * Every SQL identifier the tool emits goes through quoteIdent(): names are preserved exactly
 * (case, spaces, quotes, reserved words, unicode), never interpolated raw.
 * https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
 */
import { createHash } from 'node:crypto';

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently truncated by the server. */
export const MAX_IDENTIFIER_BYTES = 63;

/** Double-quote an identifier, doubling embedded double quotes. Rejects NUL, which PG cannot store. */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error(`identifier contains a NUL byte: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`. */
export function qualify(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** A SQL string literal ('' doubled). For DDL text only (e.g. COMMENT); values go as parameters. */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('string literal contains a NUL byte');
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Shorten a name to at most 63 UTF-8 bytes, deterministically: the longest prefix that fits
 * (on a character boundary) followed by `_` and 8 hex digits of the full name's sha1, so two
 * long names with a common prefix never collide the way PostgreSQL's own truncation makes them.
 */
export function fitIdentifier(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER_BYTES) return name;
  const suffix = `_${createHash('sha1').update(name, 'utf8').digest('hex').slice(0, 8)}`;
  const budget = MAX_IDENTIFIER_BYTES - suffix.length;
  let prefix = '';
  let bytes = 0;
  for (const ch of name) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > budget) break;
    prefix += ch;
    bytes += n;
  }
  return prefix + suffix;
}

/**
 * Hands out unique identifiers within one namespace (PostgreSQL: relation names per schema,
 * constraint names per table). A clash gets `_2`, `_3`, ... (still within 63 bytes).
 */
export class NameAllocator {
  readonly #taken = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const name of reserved) this.#taken.add(name);
  }

  allocate(wanted: string): string {
    let candidate = fitIdentifier(wanted);
    for (let i = 2; this.#taken.has(candidate); i++) candidate = fitIdentifier(`${wanted}_${i}`);
    this.#taken.add(candidate);
    return candidate;
  }

  has(name: string): boolean {
    return this.#taken.has(name);
  }
}

/** Lower snake_case, for the optional `--fold-identifiers snake` naming mode. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[\s\-/.]+/g, '_')
    .toLowerCase();
}
