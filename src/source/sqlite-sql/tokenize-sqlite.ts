/**
 * A tokenizer for SQLite SQL, following SQLite's own tokenizer (src/tokenize.c) closely enough
 * to re-emit schema SQL (CREATE TABLE, CHECK, DEFAULT, views) as PostgreSQL.
 * https://www.sqlite.org/lang_keywords.html
 * https://www.sqlite.org/lang_expr.html#literal_values_constants_
 *
 * Keywords are not told apart from identifiers here: SQLite itself decides that from context
 * (most keywords can be used as bare identifiers), so callers classify `word` tokens.
 * Comments and whitespace produce no tokens; the gaps between tokens keep them (see `start`/`end`).
 */
import { SourceError } from '../../errors.js';

/**
 * - `word`: a bare identifier or keyword (`select`, `first_name`, `Ünïcode`).
 * - `quoted`: an identifier in `"double"`, `[bracket]` or `` `backtick` `` quotes. A double-quoted
 *   one may turn out to be a string literal (https://www.sqlite.org/quirks.html#dblquote).
 * - `string`: `'...'`; `blob`: `X'ABCD'`; `number`: `12`, `1.5e3`, `.5`, `0x1F`.
 * - `variable`: `?`, `?1`, `:name`, `@name`, `$name`.
 * - `operator`: `||`, `==`, `<>`, `->>`, ...; `punct`: `(` `)` `,` `;` `.`.
 */
export type TokenKind = 'word' | 'quoted' | 'string' | 'blob' | 'number' | 'variable' | 'operator' | 'punct';

/** One token, with its exact source text and its decoded value. */
export interface Token {
  readonly kind: TokenKind;
  /** The source text exactly as written. */
  readonly text: string;
  /**
   * Decoded value: the identifier without quotes (doubled quotes undone), the string content,
   * the blob's hex digits in lower case, the number without `_` separators, or the operator.
   */
  readonly value: string;
  /** For `quoted` tokens, the opening quote character; null otherwise. */
  readonly quote: '"' | '`' | '[' | null;
  /** Offset of the first character in the source. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\f', '\r']);

/** SQLite identifier characters: ASCII letters, `_`, and any non-ASCII character (tokenize.c IdChar). */
function isIdStart(c: string): boolean {
  return /[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80;
}

function isIdChar(c: string): boolean {
  return /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && /[0-9A-Fa-f]/.test(c);
}

function syntaxError(sql: string, at: number, what: string): SourceError {
  const excerpt = sql.slice(Math.max(0, at - 20), at + 20).replace(/\s+/g, ' ');
  return new SourceError('E_SQLITE_SQL_SYNTAX', `cannot read SQLite SQL: ${what} at offset ${at} (near "${excerpt}")`, {
    hint: 'SQLite accepted this statement, so this is a gap in sqlite2pg: please report it with the statement.',
  });
}

/** Three-, two- and one-character operators, longest first. `!` alone is not an operator in SQLite. */
const OPERATORS = ['->>', '||', '==', '!=', '<>', '<=', '>=', '<<', '>>', '->', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|', '~'];

/**
 * Split SQLite SQL into tokens. Throws SourceError (code E_SQLITE_SQL_SYNTAX) on text SQLite
 * itself would reject: an unterminated quote, a malformed blob or number.
 */
export function tokenizeSqlite(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value: string, quote: Token['quote'] = null): void => {
    tokens.push({ kind, text: sql.slice(start, end), value, quote, start, end });
  };

  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (WHITESPACE.has(c)) {
      i++;
      continue;
    }
    // Comments: `--` to the end of the line; `/* */`, where SQLite accepts an unterminated one at the end.
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol;
      continue;
    }
    if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 2;
      continue;
    }
    const start = i;
    // Blob literal X'..': an even number of hex digits.
    if ((c === 'x' || c === 'X') && next === "'") {
      const close = sql.indexOf("'", i + 2);
      if (close === -1) throw syntaxError(sql, start, 'unterminated blob literal');
      const hex = sql.slice(i + 2, close);
      if (hex.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(hex)) throw syntaxError(sql, start, 'malformed blob literal');
      i = close + 1;
      push('blob', start, i, hex.toLowerCase());
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      // A doubled quote character stands for one quote inside the token.
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= n) throw syntaxError(sql, start, `unterminated ${c === "'" ? 'string literal' : 'quoted identifier'}`);
        const d = sql[j]!;
        if (d === c) {
          if (sql[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          j++;
          break;
        }
        value += d;
        j++;
      }
      i = j;
      if (c === "'") push('string', start, i, value);
      else push('quoted', start, i, value, c);
      continue;
    }
    if (c === '[') {
      // MS Access / SQL Server style: no escape mechanism, ends at the first `]`.
      const close = sql.indexOf(']', i + 1);
      if (close === -1) throw syntaxError(sql, start, 'unterminated [identifier]');
      i = close + 1;
      push('quoted', start, i, sql.slice(start + 1, close), '[');
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(next))) {
      i = scanNumber(sql, i);
      if (i < n && isIdChar(sql[i]!)) throw syntaxError(sql, start, 'malformed number');
      push('number', start, i, sql.slice(start, i).replaceAll('_', ''));
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < n && isIdChar(sql[j]!)) j++;
      i = j;
      push('word', start, i, sql.slice(start, i));
      continue;
    }
    if (c === '?') {
      let j = i + 1;
      while (isDigit(sql[j])) j++;
      i = j;
      push('variable', start, i, sql.slice(start, i));
      continue;
    }
    if (c === ':' || c === '@' || c === '$') {
      let j = i + 1;
      while (j < n && isIdChar(sql[j]!)) j++;
      if (j === i + 1) throw syntaxError(sql, start, `unexpected "${c}"`);
      i = j;
      push('variable', start, i, sql.slice(start, i));
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === ';' || c === '.') {
      i++;
      push('punct', start, i, c);
      continue;
    }
    const op = OPERATORS.find((o) => sql.startsWith(o, i));
    if (op) {
      i += op.length;
      push('operator', start, i, op);
      continue;
    }
    throw syntaxError(sql, start, `unexpected character ${JSON.stringify(c)}`);
  }
  return tokens;
}

/** Numbers as SQLite reads them: `0x1F`, `12`, `1.5`, `.5`, `1.`, `1e-3`; `_` between digits (3.46+). */
function scanNumber(sql: string, from: number): number {
  let i = from;
  const digits = (): void => {
    while (isDigit(sql[i]) || (sql[i] === '_' && isDigit(sql[i - 1]) && isDigit(sql[i + 1]))) i++;
  };
  if (sql[i] === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X') && isHexDigit(sql[i + 2])) {
    i += 2;
    while (isHexDigit(sql[i]) || (sql[i] === '_' && isHexDigit(sql[i - 1]) && isHexDigit(sql[i + 1]))) i++;
    return i;
  }
  digits();
  if (sql[i] === '.') {
    i++;
    digits();
  }
  if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql[i + 1]) || ((sql[i + 1] === '+' || sql[i + 1] === '-') && isDigit(sql[i + 2])))) {
    i += 2;
    digits();
  }
  return i;
}

/**
 * SQLite compares identifiers case-insensitively for ASCII letters only (sqlite3StrICmp),
 * so `Ä` and `ä` are different names while `A` and `a` are the same.
 */
export function foldIdentifier(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** True when `token` is the bare word `keyword` (case-insensitive). */
export function isWord(token: { readonly kind: string; readonly value?: string } | undefined, keyword: string): boolean {
  return token !== undefined && token.kind === 'word' && token.value !== undefined && token.value.toUpperCase() === keyword;
}
