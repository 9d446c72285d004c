/**
 * A small JSON (RFC 8259) scanner that says where a file is wrong, as `line:column`, in words a
 * person can act on. JSON.parse's messages differ between Node versions and only some carry a
 * position, and JSON.parse silently keeps the last of two equal keys, which in a mapping file
 * would drop a column rule without a word. Pure: no I/O.
 * https://www.rfc-editor.org/rfc/rfc8259
 */

/** One problem, 1-based line and column (columns count UTF-16 code units, as editors do). */
export interface JsonSyntaxProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

class SyntaxStop extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Offset → 1-based line and column. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function describeAt(text: string, i: number): string {
  if (i >= text.length) return 'the end of the file';
  const ch = text[i]!;
  const code = ch.charCodeAt(0);
  if (code < 0x20) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(ch);
}

const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const MAX_DEPTH = 512;

/**
 * Every problem that makes `text` unusable as a mapping file: the first syntax error (scanning
 * stops there) and any duplicate object keys found before it. Empty when the text is valid JSON
 * without duplicate keys.
 */
export function checkJsonSyntax(text: string): JsonSyntaxProblem[] {
  const found: { offset: number; message: string }[] = [];
  let i = 0;

  const ws = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };
  const fail = (message: string, at = i): never => {
    throw new SyntaxStop(at, message);
  };

  const string = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string: a closing " is missing', start);
      const ch = text[i]!;
      const code = ch.charCodeAt(0);
      if (ch === '"') {
        i++;
        return out;
      }
      if (code < 0x20) fail(`${describeAt(text, i)} inside a string: write it as an escape such as \\n or \\t`);
      if (ch === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape: \\u must be followed by 4 hex digits');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
        if (e === undefined || !ESCAPES.has(e)) fail(`invalid escape \\${e ?? ''}: JSON allows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX`);
        out += JSON.parse(`"\\${e}"`) as string;
        i += 2;
        continue;
      }
      out += ch;
      i++;
    }
  };

  const number = (): void => {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-') fail(`invalid number starting with ${describeAt(text, i)}`);
    i += m![0].length;
    const next = text[i];
    if (next !== undefined && /[0-9.eE]/.test(next)) fail(`invalid number: ${describeAt(text, i)} cannot follow ${JSON.stringify(m![0])} (no leading zeros, a digit after ".")`);
  };

  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    ws();
    const ch = text[i];
    if (ch === '{') return object(depth);
    if (ch === '[') return array(depth);
    if (ch === '"') {
      string();
      return;
    }
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (ch === "'") fail('strings must be in double quotes, not single quotes');
    fail(`expected a value, found ${describeAt(text, i)}`);
  };

  const object = (depth: number): void => {
    i++; // {
    const keys = new Set<string>();
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    let comma = -1;
    for (;;) {
      ws();
      if (text[i] !== '"') {
        if (text[i] === '}' && comma >= 0) fail('trailing comma before "}": JSON does not allow it', comma);
        if (text[i] === "'") fail('property names must be in double quotes, not single quotes');
        fail(`expected a property name in double quotes, found ${describeAt(text, i)}`);
      }
      const keyStart = i;
      const key = string();
      if (keys.has(key)) found.push({ offset: keyStart, message: `duplicate key ${JSON.stringify(key)}: JSON.parse keeps only the last one; merge the two entries` });
      keys.add(key);
      ws();
      if (text[i] !== ':') fail(`expected ":" after the property name ${JSON.stringify(key)}, found ${describeAt(text, i)}`);
      i++;
      value(depth + 1);
      ws();
      if (text[i] === ',') {
        comma = i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(`expected "," or "}" after a property value, found ${describeAt(text, i)}`);
    }
  };

  const array = (depth: number): void => {
    i++; // [
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    let comma = -1;
    for (;;) {
      ws();
      if (text[i] === ']' && comma >= 0) fail('trailing comma before "]": JSON does not allow it', comma);
      value(depth + 1);
      ws();
      if (text[i] === ',') {
        comma = i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(`expected "," or "]" after an array element, found ${describeAt(text, i)}`);
    }
  };

  try {
    ws();
    if (i >= text.length) fail('the file is empty: a mapping file holds one JSON object');
    value(0);
    ws();
    if (i < text.length) fail(`unexpected ${describeAt(text, i)} after the end of the JSON value`);
  } catch (e) {
    if (!(e instanceof SyntaxStop)) throw e;
    found.push({ offset: e.offset, message: e.message });
  }
  return found.map((p) => ({ ...position(text, p.offset), message: p.message }));
}
