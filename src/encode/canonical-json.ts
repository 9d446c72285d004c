/**
 * `canonicalJsonb(text)` reproduces, byte for byte, what PostgreSQL prints for `text::jsonb::text`,
 * without a round trip to the server, so the loader can checksum jsonb values while streaming.
 *
 * Pure (no I/O). A hand-written single-pass recursive-descent parser/printer: JSON.parse would
 * lose the number text (`1.0` vs `1`, exponents, digits beyond a double) and duplicate keys.
 * The order of an object's members comes from a bounded cache keyed by the object's key sequence
 * (see ShapeNode), filled by sorting on a miss: it changes what a document costs, never its output.
 *
 * What it reproduces, each from PostgreSQL's source (REL_17):
 * - the lexer, https://github.com/postgres/postgres/blob/REL_17_STABLE/src/common/jsonapi.c
 *   (`json_lex`, `json_lex_string`, `json_lex_number`): whitespace is only space/tab/LF/CR;
 *   RFC 8259 numbers only; raw characters < 0x20 inside strings are errors; with de-escaping on
 *   (as jsonb_in has it) `\u0000` and unpaired UTF-16 surrogate escapes are errors.
 * - numbers go through `numeric_in` then `numeric_out`,
 *   https://github.com/postgres/postgres/blob/REL_17_STABLE/src/backend/utils/adt/numeric.c
 *   (`set_var_from_str`, `make_result_opt_error`, `get_str_from_var`): the display scale is
 *   `max(0, fraction digits - exponent)`, a zero is never negative, the exponent is limited to
 *   ±(INT32_MAX / 2), the result to 131072 integer digits and a display scale of 16383.
 * - objects: `uniqueifyJsonbObject` / `lengthCompareJsonbPair` in
 *   https://github.com/postgres/postgres/blob/REL_17_STABLE/src/backend/utils/adt/jsonb_util.c
 *   order keys by UTF-8 byte length, then bytewise (`lengthCompareJsonbString`), and keep the
 *   last of duplicate keys.
 * - output: `JsonbToCStringWorker` in
 *   https://github.com/postgres/postgres/blob/REL_17_STABLE/src/backend/utils/adt/jsonb.c
 *   writes `{"a": 1, "b": [1, 2]}`; strings go through `escape_json` in
 *   https://github.com/postgres/postgres/blob/REL_17_STABLE/src/backend/utils/adt/json.c
 *   (`\"`, `\\`, `\b \f \n \r \t`, other < 0x20 as `\u00xx`, everything else literal).
 */

/** Thrown for text that `::jsonb` would reject; the loader quarantines the row. */
export class JsonCanonicalError extends Error {
  /** Short machine-friendly reason, e.g. `invalid number`, `\u0000 not allowed in jsonb`. */
  readonly reason: string;
  /** UTF-16 offset into the input where the problem was found. */
  readonly position: number;

  constructor(reason: string, position: number) {
    super(`invalid jsonb input at offset ${position}: ${reason}`);
    this.name = 'JsonCanonicalError';
    this.reason = reason;
    this.position = position;
  }
}

/**
 * Nesting deeper than this is rejected. PostgreSQL's own limit comes from `max_stack_depth`
 * (`check_stack_depth()` in the recursive parser): about 15 000 levels with the default 2MB.
 * A fixed cap keeps the JS stack safe and the behaviour predictable; no real document is near it.
 */
export const MAX_JSON_DEPTH = 4096;

/** numeric limits, numeric.c: NUMERIC_DSCALE_MAX and NUMERIC_WEIGHT_MAX (base-10000 digits). */
const MAX_DSCALE = 0x3fff;
const MAX_INTEGER_DIGITS = (0x7fff + 1) * 4;
/** set_var_from_str: `if (exponent > PG_INT32_MAX / 2) goto out_of_range;` */
const MAX_EXPONENT = Math.floor(0x7fffffff / 2);

// Parser state. Module-level because the parser is synchronous and non-reentrant: no parser
// object to allocate per document and no indirection in the per-character loops.
let src = '';
let pos = 0;
let depth = 0;
/** Decoded text and UTF-8 byte length of the last object key parsed. */
let lastDecoded = '';
let lastUtf8Length = 0;
// Object members of all objects being parsed, as a stack shared by the nesting levels: an object
// owns the entries from its base to `top` while it is parsed, and pops them when done. Saves
// allocating arrays per object. Each entry: decoded key, its UTF-8 length, the key's output text
// (quoted, escaped) and the value's output text.
const entryKeys: string[] = [];
const entryLengths: number[] = [];
const entryKeyOuts: string[] = [];
const entryValues: string[] = [];
let top = 0;

/**
 * Shape cache. Objects of one column nearly always have the same keys in the same order, so the
 * order jsonb gives their members is worked out once per key sequence instead of sorted per
 * object. A tree: a node stands for the sequence of decoded keys on its path from a root, and
 * an object ending at a node prints its members in the node's `order`. That order depends only
 * on the decoded keys, so it is right for every object with this key sequence; the cache holds no
 * value and no position, and an object that misses it is sorted as before (sortedUniqueOrder).
 * Objects in the value of a key (directly or in arrays) start from that key's node's own root,
 * `inner`, so a nested object's first key is predicted too; top-level objects, and those under
 * uncached keys, start from shapeRoot.
 */
interface ShapeNode {
  /** Source text of the key leading here, quotes included, as first seen (escapes and all). */
  readonly raw: string;
  /** The key's decoded text, UTF-8 length and jsonb output form (quoted, escape_json'ed). */
  readonly decoded: string;
  readonly utf8Length: number;
  readonly out: string;
  /** The first child: one startsWith per key while the objects keep to one key sequence. */
  first: ShapeNode | null;
  /** The other children, by decoded key. */
  more: Map<string, ShapeNode> | null;
  /**
   * For an object ending here (set the first time one does): the members to print, as indices
   * from the object's first member, in jsonb order with duplicates dropped, and for each the text
   * before its value (`{"key": `, then `, "key": `).
   */
  order: number[] | null;
  prefixes: string[] | null;
  /** The root for objects in this key's value. */
  inner: ShapeNode | null;
}

/**
 * Bound on the cache, in units of one per node and one per member of a stored order, so that
 * data with ever new shapes cannot grow it without end: when full it is dropped and starts over,
 * which costs the next objects one sort each, not a wrong result.
 */
export const SHAPE_CACHE_UNITS = 16384;
/** Keys longer than this (source text) are not cached: the objects holding them are sorted. */
const SHAPE_MAX_KEY = 64;
/**
 * A node takes no more children than this. Objects keyed by data (ids, dates) give a node a new
 * child per object; past the cap they leave the cache at once instead of filling it (which costs
 * node building on every key and a restart of the cache again and again: 6× the uncached time).
 */
const SHAPE_MAX_CHILDREN = 64;
let shapeRoot = newShapeNode('', '', 0, '');
let shapeUnits = 0;
/**
 * The shape node an object at `pos` starts from, set before each parseValue (a variable, not a
 * parameter, to keep the recursive frames small).
 */
let valueShape = shapeRoot;

function newShapeNode(raw: string, decoded: string, utf8Length: number, out: string): ShapeNode {
  return { raw, decoded, utf8Length, out, first: null, more: null, order: null, prefixes: null, inner: null };
}

/**
 * A copy of a short string that holds no reference to the document it was cut from (V8 keeps a
 * slice's parent alive), so the cache retains only its own text.
 */
function detached(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * PostgreSQL's `text::jsonb::text` for `text`. Throws JsonCanonicalError when PostgreSQL would
 * reject the text as jsonb input.
 */
export function canonicalJsonb(text: string): string {
  src = text;
  pos = 0;
  depth = 0;
  top = 0;
  try {
    skipWhitespace();
    valueShape = shapeRoot;
    const out = parseValue();
    skipWhitespace();
    if (pos < src.length) fail('unexpected text after the value');
    return out;
  } catch (e) {
    // A stack overflow can only come from a pathological input; report it as one.
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw new JsonCanonicalError('nesting too deep', pos);
    throw e;
  } finally {
    src = '';
    lastDecoded = '';
    valueShape = shapeRoot;
    // Don't keep a huge document's keys and members alive through the shared entry stack.
    if (entryKeys.length > 1024) entryKeys.length = entryLengths.length = entryKeyOuts.length = entryValues.length = 0;
  }
}

function fail(reason: string, at: number = pos): never {
  throw new JsonCanonicalError(reason, at);
}

function skipWhitespace(): void {
  const s = src;
  let i = pos;
  for (;;) {
    const c = s.charCodeAt(i);
    // json_lex: only ' ', '\t', '\n', '\r' are whitespace (NaN past the end stops the loop).
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else break;
  }
  pos = i;
}

/** Parse the value at `pos`; an object there starts from the shape node valueShape. */
function parseValue(): string {
  const c = src.charCodeAt(pos);
  switch (c) {
    case 0x7b /* { */:
      return parseObject();
    case 0x5b /* [ */:
      return parseArray();
    case 0x22 /* " */:
      return parseString(false);
    case 0x74 /* t */:
      return parseLiteral('true');
    case 0x66 /* f */:
      return parseLiteral('false');
    case 0x6e /* n */:
      return parseLiteral('null');
    default:
      if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber();
      return fail(pos >= src.length ? 'unexpected end of input' : 'unexpected character');
  }
}

function parseLiteral(word: string): string {
  if (!src.startsWith(word, pos)) fail('invalid literal');
  pos += word.length;
  // json_lex reads a whole alphanumeric run as one token: `truex` is one bad token, which the
  // grammar check in the caller also rejects; nothing to do here.
  return word;
}

function parseArray(): string {
  if (++depth > MAX_JSON_DEPTH) fail('nesting too deep');
  pos++; // [
  // Whitespace is rare in stored JSON: test for it inline, call the loop only when there is some.
  if (src.charCodeAt(pos) <= 0x20) skipWhitespace();
  if (src.charCodeAt(pos) === 0x5d /* ] */) {
    pos++;
    depth--;
    return '[]';
  }
  const shape = valueShape;
  let out = '[' + parseValue();
  for (;;) {
    if (src.charCodeAt(pos) <= 0x20) skipWhitespace();
    const c = src.charCodeAt(pos);
    if (c === 0x2c /* , */) {
      pos++;
      if (src.charCodeAt(pos) <= 0x20) skipWhitespace();
      valueShape = shape;
      out += ', ' + parseValue();
    } else if (c === 0x5d /* ] */) {
      pos++;
      depth--;
      return out + ']';
    } else {
      fail("expected ',' or ']'");
    }
  }
}

// parseObject and parseArray recurse through parseValue once per nesting level: their frames are
// kept small (few locals, the rest in helpers) so that MAX_JSON_DEPTH levels fit the stack.
function parseObject(): string {
  if (++depth > MAX_JSON_DEPTH) fail('nesting too deep');
  pos++; // {
  if (src.charCodeAt(pos) <= 0x20) skipWhitespace();
  if (src.charCodeAt(pos) === 0x7d /* } */) {
    pos++;
    depth--;
    return '{}';
  }
  const base = top;
  // The shape node of the keys so far; null once off the cache (the object is then sorted).
  let node: ShapeNode | null = valueShape;
  for (;;) {
    node = parseKey(node);
    if (src.charCodeAt(pos) <= 0x20) skipWhitespace();
    if (src.charCodeAt(pos) !== 0x3a /* : */) fail("expected ':'");
    pos++;
    if (src.charCodeAt(pos) <= 0x20) skipWhitespace();
    valueShape = node === null ? shapeRoot : (node.inner ?? innerRoot(node));
    entryValues[top - 1] = parseValue();
    if (src.charCodeAt(pos) <= 0x20) skipWhitespace();
    const c = src.charCodeAt(pos);
    if (c === 0x2c /* , */) {
      pos++;
      if (src.charCodeAt(pos) <= 0x20) skipWhitespace();
    } else if (c === 0x7d /* } */) {
      pos++;
      break;
    } else {
      fail("expected ',' or '}'");
    }
  }
  depth--;
  const out = printObject(node, base);
  top = base;
  return out;
}

/**
 * Parse an object key at `pos` into a new entry on the stack; returns the shape node after it
 * (`node`'s child for this key), or null when off the cache.
 */
function parseKey(node: ShapeNode | null): ShapeNode | null {
  const slot = top++;
  if (node !== null) {
    const next = node.first;
    if (next !== null && src.startsWith(next.raw, pos)) {
      // The same source text as a key seen before: valid, and decoding to the same key.
      pos += next.raw.length;
      entryKeys[slot] = next.decoded;
      entryLengths[slot] = next.utf8Length;
      entryKeyOuts[slot] = next.out;
      return next;
    }
  }
  if (src.charCodeAt(pos) !== 0x22) fail('expected a string key');
  const keyStart = pos;
  const keyOut = parseString(true);
  entryKeys[slot] = lastDecoded;
  entryLengths[slot] = lastUtf8Length;
  entryKeyOuts[slot] = keyOut;
  return node === null ? null : shapeChild(node, keyStart, keyOut);
}

/** The output of the object whose members are the entries from base to top. */
function printObject(node: ShapeNode | null, base: number): string {
  let out: string;
  if (node !== null && (node.order !== null || storeOrder(node, base, top))) {
    const order = node.order!;
    const prefixes = node.prefixes!;
    out = prefixes[0]! + entryValues[base + order[0]!]!;
    for (let k = 1; k < order.length; k++) out += prefixes[k]! + entryValues[base + order[k]!]!;
  } else {
    const order = sortedUniqueOrder(base, top);
    out = '{' + entryKeyOuts[base + order[0]!]! + ': ' + entryValues[base + order[0]!]!;
    for (let k = 1; k < order.length; k++) {
      const idx = base + order[k]!;
      out += ', ' + entryKeyOuts[idx]! + ': ' + entryValues[idx]!;
    }
  }
  return out + '}';
}

/**
 * The child of `node` for the key just parsed (source text from keyStart to pos, output keyOut,
 * decoded in lastDecoded), made if it is new and the cache has room; null when not cached.
 */
function shapeChild(node: ShapeNode, keyStart: number, keyOut: string): ShapeNode | null {
  const key = lastDecoded;
  const first = node.first;
  if (first !== null && first.decoded === key) return first;
  const known = node.more?.get(key);
  if (known !== undefined) return known;
  if (pos - keyStart > SHAPE_MAX_KEY || (node.more !== null && node.more.size >= SHAPE_MAX_CHILDREN - 1)) return null;
  if (shapeUnits >= SHAPE_CACHE_UNITS) {
    // Start over. Objects still being parsed keep their nodes of the old tree, which stay right.
    shapeRoot = newShapeNode('', '', 0, '');
    shapeUnits = 0;
    return null;
  }
  shapeUnits++;
  const raw = detached(src.slice(keyStart, pos));
  const decoded = detached(key);
  const child = newShapeNode(raw, decoded, lastUtf8Length, keyOut === raw ? raw : detached(keyOut));
  if (first === null) node.first = child;
  else (node.more ??= new Map()).set(decoded, child);
  return child;
}

/** The root for objects in the value of node's key (shapeRoot when the cache is full). */
function innerRoot(node: ShapeNode): ShapeNode {
  if (shapeUnits >= SHAPE_CACHE_UNITS) return shapeRoot;
  shapeUnits++;
  return (node.inner = newShapeNode('', '', 0, ''));
}

/** Store in `node` the print order of the object whose members are the entries base..end. */
function storeOrder(node: ShapeNode, base: number, end: number): boolean {
  if (shapeUnits + (end - base) > SHAPE_CACHE_UNITS) return false;
  const order = sortedUniqueOrder(base, end);
  shapeUnits += order.length;
  node.prefixes = order.map((i, k) => detached((k === 0 ? '{' : ', ') + entryKeyOuts[base + i]! + ': '));
  node.order = order;
  return true;
}

function compareEntries(a: number, b: number): number {
  return entryLengths[a]! - entryLengths[b]! || compareCodePoints(entryKeys[a]!, entryKeys[b]!);
}

/**
 * jsonb object order of the entries base..end, as indices from base: by UTF-8 byte length, then
 * bytewise; of duplicate keys the last one wins (lengthCompareJsonbPair breaks ties by input order
 * so that uniqueifyJsonbObject keeps the last).
 */
function sortedUniqueOrder(base: number, end: number): number[] {
  const n = end - base;
  let order: number[];
  if (n <= 16) {
    // Stable insertion sort of entry indices; in-order input (common) costs one compare per key.
    order = [base];
    for (let i = base + 1; i < end; i++) {
      let j = order.length - 1;
      while (j >= 0 && compareEntries(order[j]!, i) > 0) j--;
      if (j === order.length - 1) order.push(i);
      else order.splice(j + 1, 0, i);
    }
  } else {
    order = new Array<number>(n);
    for (let i = 0; i < n; i++) order[i] = base + i;
    order.sort(compareEntries); // stable (TimSort)
  }
  const kept: number[] = [];
  for (let i = 0; i < n; i++) {
    const idx = order[i]!;
    const next = order[i + 1];
    // Of a run of equal keys (adjacent, in input order, after the stable sort) the last counts.
    if (next !== undefined && entryLengths[next] === entryLengths[idx] && entryKeys[next] === entryKeys[idx]) continue;
    kept.push(idx - base);
  }
  return kept;
}

/**
 * Compare two strings in Unicode code point order, which is the bytewise order of their UTF-8.
 * UTF-16 code unit order differs only between surrogates (U+D800–DFFF, standing for code points
 * ≥ U+10000) and U+E000–FFFF, so those are remapped at the first difference.
 */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/**
 * Parse a string at `pos` (on its opening quote). Returns its jsonb output form (quoted, escaped
 * as escape_json does) and leaves the decoded text in lastDecoded, its UTF-8 length in
 * lastUtf8Length. Fast path: without backslashes the output is the input slice itself, because
 * a raw string holds no `"`, no `\` and no character < 0x20, the only ones escape_json changes.
 */
function parseString(isKey: boolean): string {
  const s = src;
  const start = pos + 1;
  let i = start;
  let extraBytes = 0;
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 0x22) break;
    if (c === 0x5c) return parseEscapedString(start, isKey);
    if (c < 0x20 || c !== c) {
      // c !== c: NaN, past the end of the input.
      fail(c !== c ? 'unterminated string' : 'control character in string', i);
    }
    if (c >= 0x80) {
      if (c < 0x800) extraBytes += 1;
      else if (c >= 0xd800 && c <= 0xdfff) {
        // A surrogate pair is 2 UTF-16 units and 4 UTF-8 bytes. A lone surrogate cannot come from
        // UTF-8 text (SQLite/PG), and would reach PostgreSQL as U+FFFD: refuse rather than guess.
        const d = s.charCodeAt(i + 1);
        if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) fail('lone surrogate in string', i);
        extraBytes += 2;
        i++;
      } else extraBytes += 2;
    }
    i++;
  }
  pos = i + 1;
  if (isKey) {
    lastDecoded = s.slice(start, i);
    lastUtf8Length = i - start + extraBytes;
  }
  return s.slice(start - 1, i + 1);
}

/** Escapes PostgreSQL's escape_json writes for characters below 0x20. */
const CONTROL_ESCAPES: readonly string[] = Array.from({ length: 0x20 }, (_, c) => {
  switch (c) {
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    default:
      return '\\u00' + c.toString(16).padStart(2, '0');
  }
});

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Slow path of parseString, from the first backslash on: decode, validate, re-escape. */
function parseEscapedString(start: number, isKey: boolean): string {
  const s = src;
  let i = start;
  let decoded = '';
  let out = '"';
  let runStart = start;
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 0x22) break;
    if (c !== c) fail('unterminated string', i);
    if (c < 0x20) fail('control character in string', i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) fail('lone surrogate in string', i);
      i += 2;
      continue;
    }
    if (c !== 0x5c) {
      i++;
      continue;
    }
    // Flush the literal run before the backslash: unchanged in both forms.
    const run = s.slice(runStart, i);
    decoded += run;
    out += run;
    const e = s.charCodeAt(i + 1);
    switch (e) {
      case 0x22 /* " */:
        decoded += '"';
        out += '\\"';
        i += 2;
        break;
      case 0x5c /* \ */:
        decoded += '\\';
        out += '\\\\';
        i += 2;
        break;
      case 0x2f /* / */:
        decoded += '/';
        out += '/';
        i += 2;
        break;
      case 0x62 /* b */:
        decoded += '\b';
        out += '\\b';
        i += 2;
        break;
      case 0x66 /* f */:
        decoded += '\f';
        out += '\\f';
        i += 2;
        break;
      case 0x6e /* n */:
        decoded += '\n';
        out += '\\n';
        i += 2;
        break;
      case 0x72 /* r */:
        decoded += '\r';
        out += '\\r';
        i += 2;
        break;
      case 0x74 /* t */:
        decoded += '\t';
        out += '\\t';
        i += 2;
        break;
      case 0x75 /* u */: {
        const cp = readHex4(i + 2);
        i += 6;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          // json_lex_string: a high surrogate must be followed at once by a \u low surrogate.
          if (s.charCodeAt(i) !== 0x5c || s.charCodeAt(i + 1) !== 0x75) fail('Unicode low surrogate must follow a high surrogate', i);
          const lo = readHex4(i + 2);
          if (lo < 0xdc00 || lo > 0xdfff) fail('Unicode low surrogate must follow a high surrogate', i);
          i += 6;
          const pair = String.fromCharCode(cp, lo);
          decoded += pair;
          out += pair;
          break;
        }
        if (cp >= 0xdc00 && cp <= 0xdfff) fail('Unicode low surrogate must follow a high surrogate', i - 6);
        // "unsupported Unicode escape sequence": jsonb values become text, which cannot hold NUL.
        if (cp === 0) fail('\\u0000 cannot be converted to text', i - 6);
        const ch = String.fromCharCode(cp);
        decoded += ch;
        out += cp < 0x20 ? CONTROL_ESCAPES[cp]! : cp === 0x22 ? '\\"' : cp === 0x5c ? '\\\\' : ch;
        break;
      }
      default:
        fail(e !== e ? 'unterminated string' : 'invalid escape sequence', i);
    }
    runStart = i;
  }
  const run = s.slice(runStart, i);
  decoded += run;
  out += run;
  pos = i + 1;
  if (isKey) {
    lastDecoded = decoded;
    lastUtf8Length = utf8Length(decoded);
  }
  return out + '"';
}

function readHex4(at: number): number {
  const s = src;
  const a = hexDigit(s.charCodeAt(at));
  const b = hexDigit(s.charCodeAt(at + 1));
  const c = hexDigit(s.charCodeAt(at + 2));
  const d = hexDigit(s.charCodeAt(at + 3));
  if ((a | b | c | d) < 0) fail('invalid \\u escape', at - 2);
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/** UTF-8 byte length of a string without lone surrogates. */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Parse an RFC 8259 number at `pos` and return numeric_out of numeric_in of its text.
 * Without an exponent that is the text itself, minus the sign of a zero.
 */
function parseNumber(): string {
  const s = src;
  const start = pos;
  let i = start;
  let c = s.charCodeAt(i);
  const negative = c === 0x2d;
  if (negative) c = s.charCodeAt(++i);
  const intStart = i;
  if (c === 0x30) c = s.charCodeAt(++i);
  else if (c >= 0x31 && c <= 0x39) {
    do c = s.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39);
  } else fail('invalid number', i);
  const intEnd = i;
  if (c === 0x2e /* . */) {
    c = s.charCodeAt(++i);
    if (!(c >= 0x30 && c <= 0x39)) fail('invalid number', i);
    do c = s.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39);
  }
  const fracEnd = i;
  const fracDigits = fracEnd === intEnd ? 0 : fracEnd - intEnd - 1;
  if (c !== 0x65 && c !== 0x45 /* e E */) {
    pos = i;
    if (fracDigits > MAX_DSCALE || intEnd - intStart > MAX_INTEGER_DIGITS) fail('value overflows numeric format', start);
    // make_result: a zero is always positive, so `-0.00` prints `0.00`.
    return negative && isZeroNumber(intStart, i) ? s.slice(intStart, i) : s.slice(start, i);
  }
  c = s.charCodeAt(++i);
  let expNegative = false;
  if (c === 0x2b /* + */) i++;
  else if (c === 0x2d /* - */) {
    expNegative = true;
    i++;
  }
  if (!isDigit(s.charCodeAt(i))) fail('invalid number', i);
  let exponent = 0;
  let expOverflow = false;
  do {
    exponent = exponent * 10 + (s.charCodeAt(i) - 0x30);
    if (exponent > MAX_EXPONENT) expOverflow = true;
    i++;
  } while (isDigit(s.charCodeAt(i)));
  pos = i;
  if (expOverflow) fail('value overflows numeric format', start);
  if (expNegative) exponent = -exponent;
  const digits = fracDigits > 0 ? s.slice(intStart, intEnd) + s.slice(intEnd + 1, fracEnd) : s.slice(intStart, intEnd);
  // numericOut prints a zero without its sign.
  return numericOut(negative, digits, intEnd - intStart, fracDigits, exponent, start);
}

/** Whether the number text from..end (digits and a point, no sign, no exponent) is a zero. */
function isZeroNumber(from: number, end: number): boolean {
  for (let i = from; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c !== 0x30 && c !== 0x2e) return false;
  }
  return true;
}

/**
 * numeric_out(numeric_in(text)) for the value `digits × 10^(exponent - fracDigits)` where the
 * decimal point sits after `intDigits` of `digits` before the exponent is applied.
 */
function numericOut(negative: boolean, digits: string, intDigits: number, fracDigits: number, exponent: number, at: number): string {
  const dscale = Math.max(0, fracDigits - exponent);
  if (dscale > MAX_DSCALE) fail('value overflows numeric format', at);
  let firstNonZero = 0;
  while (firstNonZero < digits.length && digits.charCodeAt(firstNonZero) === 0x30) firstNonZero++;
  if (firstNonZero === digits.length) return dscale === 0 ? '0' : '0.' + '0'.repeat(dscale);
  // Decimal point position within `digits` after applying the exponent.
  const point = intDigits + exponent;
  // dweight of the leading digit (0 = units); NUMERIC_WEIGHT_MAX bounds it in base-10000 digits.
  if (point - firstNonZero - 1 >= MAX_INTEGER_DIGITS) fail('value overflows numeric format', at);
  let intPart: string;
  if (point <= firstNonZero) intPart = '0';
  else if (point >= digits.length) intPart = digits.slice(firstNonZero) + '0'.repeat(point - digits.length);
  else intPart = digits.slice(firstNonZero, point);
  let out = negative ? '-' + intPart : intPart;
  if (dscale > 0) {
    // Exactly dscale digits follow the point: digits.length - point === fracDigits - exponent.
    out += '.' + (point >= 0 ? digits.slice(point) : '0'.repeat(-point) + digits);
  }
  return out;
}
