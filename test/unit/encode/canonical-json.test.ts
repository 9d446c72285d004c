import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJsonb, JsonCanonicalError, MAX_JSON_DEPTH, SHAPE_CACHE_UNITS } from '../../../src/encode/canonical-json.js';
import { canonicalJsonb as referenceJsonb, JsonCanonicalError as RefJsonError } from '../../support/canonical-json-reference.js';

// Every expectation below is what PostgreSQL 17 prints for `input::jsonb::text`; the integration
// test test/integration/canonical.test.ts checks the same kind of inputs against the real server.

describe('canonicalJsonb: numbers as numeric_out prints numeric_in of their text', () => {
  it.each([
    ['0', '0'],
    ['-0', '0'],
    ['-0.0', '0.0'],
    ['-0.000e3', '0'],
    ['-0e-2', '0.00'],
    ['1', '1'],
    ['-17', '-17'],
    ['1.0', '1.0'],
    ['1.50', '1.50'],
    ['1e2', '100'],
    ['1E2', '100'],
    ['1e+2', '100'],
    ['1.50e1', '15.0'],
    ['1.5e0', '1.5'],
    ['100e-2', '1.00'],
    ['1E-2', '0.01'],
    ['-1e-2', '-0.01'],
    ['1.23e-5', '0.0000123'],
    ['0e-3', '0.000'],
    ['0e5', '0'],
    ['0.0e1', '0'],
    ['0.05e2', '5'],
    ['0.05e1', '0.5'],
    ['123.456e-1', '12.3456'],
    ['123.456e1', '1234.56'],
    ['123.456e5', '12345600'],
    ['12e-1', '1.2'],
    ['12e-3', '0.012'],
    ['1e00000000000000000002', '100'],
    ['0e1073741823', '0'],
    ['12345678901234567890123456789.123456789', '12345678901234567890123456789.123456789'],
    ['1e30', '1' + '0'.repeat(30)],
    ['-9.999e-20', '-0.00000000000000000009999'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalJsonb(input)).toBe(expected);
    expect(canonicalJsonb(`[${input}]`)).toBe(`[${expected}]`);
  });

  it('expands exponents up to the numeric limits and no further', () => {
    // 131072 integer digits (NUMERIC_WEIGHT_MAX) and a display scale of 16383 (NUMERIC_DSCALE_MAX).
    expect(canonicalJsonb('1e131071')).toBe('1' + '0'.repeat(131071));
    expect(canonicalJsonb('1e-16383')).toBe('0.' + '0'.repeat(16382) + '1');
    expect(canonicalJsonb('0e-16383')).toBe('0.' + '0'.repeat(16383));
    expect(canonicalJsonb('9'.repeat(131072))).toBe('9'.repeat(131072));
    for (const bad of ['1e131072', '1e-16384', '0e-16384', '0e1073741824', '1e-1073741824', '9'.repeat(131073), '0.' + '0'.repeat(16384), '1e99999999999999999999']) {
      expect(() => canonicalJsonb(bad), bad.slice(0, 20)).toThrow(/overflows numeric/);
    }
  });
});

describe('canonicalJsonb: layout', () => {
  it.each([
    ['{}', '{}'],
    ['[]', '[]'],
    [' { } ', '{}'],
    ['[ ]', '[]'],
    ['true', 'true'],
    ['false', 'false'],
    ['null', 'null'],
    ['"x"', '"x"'],
    ['{"a":1,"bb":[1,2]}', '{"a": 1, "bb": [1, 2]}'],
    [' \t\r\n{ "a" :\n[ 1 ,\t2 , { } , [ ] ] } \n', '{"a": [1, 2, {}, []]}'],
    ['[[[[]]]]', '[[[[]]]]'],
    ['[{"a":{"b":{"c":null}}}]', '[{"a": {"b": {"c": null}}}]'],
    ['[true,false,null]', '[true, false, null]'],
  ])('%j → %j', (input, expected) => {
    expect(canonicalJsonb(input)).toBe(expected);
  });
});

describe('canonicalJsonb: object keys', () => {
  it('orders keys by UTF-8 length first, then bytewise', () => {
    expect(canonicalJsonb('{"bb":1,"a":2,"c":3,"":4,"aa":5}')).toBe('{"": 4, "a": 2, "c": 3, "aa": 5, "bb": 1}');
    // Uppercase sorts before lowercase (bytewise, not by collation).
    expect(canonicalJsonb('{"b":1,"B":2,"a":3,"A":4}')).toBe('{"A": 4, "B": 2, "a": 3, "b": 1}');
    // é is 2 bytes (C3 A9): it sorts with the two-byte keys, after "zz" (7A 7A).
    expect(canonicalJsonb('{"é":1,"z":2,"zz":3}')).toBe('{"z": 2, "zz": 3, "é": 1}');
    // 3-byte keys first: U+E000 (EE 80 80), U+FFFF (EF BF BF); then 4-byte ones: U+10000 𐀀
    // (F0 90 80 80) before U+1F600 😀 (F0 9F 98 80).
    expect(canonicalJsonb('{"😀":1,"\\uE000":2,"𐀀":3,"\\uffff":4}')).toBe('{"\uE000": 2, "\uFFFF": 4, "𐀀": 3, "😀": 1}');
  });

  it('compares equal-length keys in code point order, not UTF-16 order', () => {
    // U+FF01 'a' (EF BC 81 61) and U+1F600 (F0 9F 98 80) are 4 bytes each; bytewise U+FF01 'a'
    // comes first, although in UTF-16 the surrogate 0xD83D is below 0xFF01.
    // "\uFFFD\uFFFD" (EF BF BD EF BF BD) and "a😀a" (61 F0 9F 98 80 61) tie at 6 bytes; 0x61 first.
    expect(canonicalJsonb('{"😀":1,"\\uff01a":2}')).toBe('{"\uFF01a": 2, "😀": 1}');
    expect(canonicalJsonb('{"\\ufffd\\ufffd":1,"a😀a":2}')).toBe('{"a😀a": 2, "\uFFFD\uFFFD": 1}');
  });

  it('keeps the last of duplicate keys, wherever they are', () => {
    expect(canonicalJsonb('{"a":1,"a":2}')).toBe('{"a": 2}');
    expect(canonicalJsonb('{"a":1,"b":2,"a":3,"b":4,"a":5}')).toBe('{"a": 5, "b": 4}');
    expect(canonicalJsonb('{"a":{"x":1},"a":[1]}')).toBe('{"a": [1]}');
    // Duplicates are detected on the decoded key.
    expect(canonicalJsonb('{"a":1,"\\u0061":2}')).toBe('{"a": 2}');
    expect(canonicalJsonb('{"\\u0061":1,"a":2}')).toBe('{"a": 2}');
    // Nested objects deduplicate independently.
    expect(canonicalJsonb('{"o":{"k":1,"k":2},"p":{"k":3}}')).toBe('{"o": {"k": 2}, "p": {"k": 3}}');
  });

  it('sorts large objects (beyond the insertion-sort size) the same way', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${(i * 7919) % 97}`);
    const input = '{' + keys.map((k, i) => `"${k}":${i}`).join(',') + ',"k0":"last"}';
    const byKey = new Map<string, string>();
    keys.forEach((k, i) => byKey.set(k, String(i)));
    byKey.set('k0', '"last"');
    const sorted = [...byKey.keys()].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    expect(canonicalJsonb(input)).toBe('{' + sorted.map((k) => `"${k}": ${byKey.get(k)}`).join(', ') + '}');
  });
});

describe('canonicalJsonb: strings as escape_json writes them', () => {
  it.each([
    ['"plain"', '"plain"'],
    ['"\\"\\\\\\/"', '"\\"\\\\/"'],
    ['"\\b\\f\\n\\r\\t"', '"\\b\\f\\n\\r\\t"'],
    ['"\\u0008\\u000C\\u000a\\u000D\\u0009"', '"\\b\\f\\n\\r\\t"'],
    ['"\\u0001\\u001F\\u001f\\u000b"', '"\\u0001\\u001f\\u001f\\u000b"'],
    ['"\\u0022\\u005C\\u002F"', '"\\"\\\\/"'],
    ['"\\u0041\\u00e9\\u20AC"', '"Aé€"'],
    ['"\\u007f\u007f"', '"\u007f\u007f"'],
    ['"/"', '"/"'],
    ['"é€😀"', '"é€😀"'],
    ['"\\ud83d\\ude00"', '"😀"'],
    ['"\\uD83D\\uDE00x\\ud800\\udc00"', '"😀x𐀀"'],
    ['"a\\nb"', '"a\\nb"'],
    ['"tab\there"'.replace('\t', '\\t'), '"tab\\there"'],
    ['""', '""'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalJsonb(input)).toBe(expected);
  });

  it('escapes keys the same way', () => {
    expect(canonicalJsonb('{"\\u0001":1,"\\/":2}')).toBe('{"\\u0001": 1, "/": 2}');
  });
});

describe('canonicalJsonb: invalid input throws JsonCanonicalError', () => {
  it.each([
    ['', 'unexpected end of input'],
    ['   ', 'unexpected end of input'],
    ['{', 'expected a string key'],
    ['{"a"}', "expected ':'"],
    ['{"a":}', 'unexpected character'],
    ['{"a":1,}', 'expected a string key'],
    ['{a:1}', 'expected a string key'],
    ["{'a':1}", 'expected a string key'],
    ['[1,]', 'unexpected character'],
    ['[1 2]', "expected ',' or ']'"],
    ['[1', "expected ',' or ']'"],
    ['{"a":1 "b":2}', "expected ',' or '}'"],
    ['1 2', 'unexpected text after the value'],
    ['{}{}', 'unexpected text after the value'],
    ['01', 'unexpected text after the value'],
    ['-01', 'unexpected text after the value'],
    ['+1', 'unexpected character'],
    ['.5', 'unexpected character'],
    ['1.', 'invalid number'],
    ['1.e5', 'invalid number'],
    ['1e', 'invalid number'],
    ['1e+', 'invalid number'],
    ['-', 'invalid number'],
    ['- 1', 'invalid number'],
    ['NaN', 'unexpected character'],
    ['Infinity', 'unexpected character'],
    ['-Infinity', 'invalid number'],
    ['0x10', 'unexpected text after the value'],
    ['1_000', 'unexpected text after the value'],
    ['tru', 'invalid literal'],
    ['True', 'unexpected character'],
    ['nul', 'invalid literal'],
    ['truex', 'unexpected text after the value'],
    ['"abc', 'unterminated string'],
    ['"abc\\', 'unterminated string'],
    ['"a\tb"', 'control character in string'],
    ['"a\nb"', 'control character in string'],
    ['"a\u001fb"', 'control character in string'],
    ['"\\x41"', 'invalid escape sequence'],
    ['"\\a"', 'invalid escape sequence'],
    ["\"\\'\"", 'invalid escape sequence'],
    ['"\\u12"', 'invalid \\u escape'],
    ['"\\u12g4"', 'invalid \\u escape'],
    ['"\\U0041"', 'invalid escape sequence'],
    ['"\\u0000"', '\\u0000 cannot be converted to text'],
    ['{"\\u0000":1}', '\\u0000 cannot be converted to text'],
    ['"\\ud800"', 'Unicode low surrogate must follow a high surrogate'],
    ['"\\ud800x"', 'Unicode low surrogate must follow a high surrogate'],
    ['"\\ud800\\n"', 'Unicode low surrogate must follow a high surrogate'],
    ['"\\ud800\\ud800"', 'Unicode low surrogate must follow a high surrogate'],
    ['"\\ud800\\u0041"', 'Unicode low surrogate must follow a high surrogate'],
    ['"\\udc00"', 'Unicode low surrogate must follow a high surrogate'],
    ['"\\udc00\\ud800"', 'Unicode low surrogate must follow a high surrogate'],
    ['"\ud800"', 'lone surrogate in string'],
    ['"x\\n\udc00"', 'lone surrogate in string'],
    ['\u00a0 1', 'unexpected character'],
    ['\ufeff1', 'unexpected character'],
    ['\u000b1', 'unexpected character'],
    ['\f1', 'unexpected character'],
    ['[1]\u000b', 'unexpected text after the value'],
    ['/* c */ 1', 'unexpected character'],
  ])('%j: %s', (input, reason) => {
    let error: unknown;
    try {
      canonicalJsonb(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JsonCanonicalError);
    expect((error as JsonCanonicalError).reason).toBe(reason);
  });

  it('reports the offset of the problem', () => {
    try {
      canonicalJsonb('{"a": [1, 2,, 3]}');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(JsonCanonicalError);
      expect((e as JsonCanonicalError).position).toBe(12);
      expect((e as Error).message).toBe('invalid jsonb input at offset 12: unexpected character');
    }
  });

  it('caps nesting depth instead of overflowing the stack', () => {
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(canonicalJsonb(ok)).toBe(ok);
    const objects = '{"a":'.repeat(MAX_JSON_DEPTH) + '1' + '}'.repeat(MAX_JSON_DEPTH);
    expect(canonicalJsonb(objects)).toBe('{"a": '.repeat(MAX_JSON_DEPTH) + '1' + '}'.repeat(MAX_JSON_DEPTH));
    const deep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    expect(() => canonicalJsonb(deep)).toThrow(/nesting too deep/);
    expect(() => canonicalJsonb('['.repeat(1_000_000))).toThrow(JsonCanonicalError);
  });

  it('recovers after an error (no state leaks into the next call)', () => {
    expect(() => canonicalJsonb('{"a":{"b":{"c":[1,2,')).toThrow(JsonCanonicalError);
    expect(canonicalJsonb('{"z":1,"y":{"x":2}}')).toBe('{"y": {"x": 2}, "z": 1}');
  });
});

// The shape cache (key sequence → member order) must never change a result: these compare the
// module with the uncached algorithm it replaced (test/support/canonical-json-reference.ts), over
// sequences of documents whose objects share, permute, repeat and nearly repeat key sets.
describe('canonicalJsonb: the shape cache gives the uncached results', () => {
  /** Result or error (reason and offset) of a canonicaliser, for comparison. */
  function outcome(f: (text: string) => string, text: string): string {
    try {
      return f(text);
    } catch (e) {
      if (!(e instanceof JsonCanonicalError || e instanceof RefJsonError)) throw e;
      return `error ${e.reason} at ${e.position}`;
    }
  }
  function expectSame(docs: readonly string[]): void {
    for (const d of docs) expect(outcome(canonicalJsonb, d), d).toBe(outcome(referenceJsonb, d));
  }

  // Keys that sort by byte length vs UTF-16 length, prefixes of each other, equal once decoded,
  // needing escapes, beyond the cache's key length, empty.
  const KEYS = ['a', 'b', 'A', 'aa', 'ab', 'ba', 'abc', '', ' ', 'é', 'e\u0301', 'zz', '€', '😀', '𐀀', '\uE000', '\uFFFF', '\uFF01a',
    'a"b', 'a\\b', 'x/y', 'tab\tkey', 'source', 'session', 'device', 'geo', 'k'.repeat(63), 'k'.repeat(64), 'k'.repeat(65), 'k'.repeat(200)];

  /** Source text of a key: plain, \u-escaping its first character, or \u-escaping all of it. */
  function keySource(key: string, style: number): string {
    const esc = (ch: string): string => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
    if (style === 1 && key.length > 0) return '"' + esc(key[0]!) + JSON.stringify(key.slice(1)).slice(1);
    if (style === 2) return '"' + [...key].map((ch) => [...ch].map((u) => (u.length === 1 ? esc(u) : esc(u[0]!) + esc(u[1]!))).join('')).join('') + '"';
    return JSON.stringify(key);
  }

  const ws = fc.constantFrom('', '', '', ' ', '\n  ', '\t');
  const scalar = fc.oneof(
    fc.constantFrom('1', '-0', '2.50', '1e3', 'true', 'null', '"s"', '"\\u00e9"', '[]', '{}'),
    fc.integer().map(String),
  );
  const { value } = fc.letrec<{ value: string; object: string }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('object'), fc.array(tie('value'), { maxLength: 3 }).map((a) => `[${a.join(',')}]`)),
    object: fc
      .array(fc.tuple(fc.constantFrom(...KEYS), fc.nat(7), tie('value'), ws), { maxLength: 8 })
      .map((members) => '{' + members.map(([k, style, v, w]) => `${w}${keySource(k, style < 5 ? 0 : style - 5)}${w}:${v}`).join(',') + '}'),
  }));

  it('for number texts, valid or not (property)', () => {
    const digits = fc.string({ unit: fc.constantFrom('0', '0', '1', '9'), maxLength: 4 });
    const number = fc
      .tuple(fc.constantFrom('', '-', '+', '--'), digits, fc.option(digits), fc.option(fc.tuple(fc.constantFrom('e', 'E', 'x'), fc.constantFrom('', '+', '-'), digits)))
      .map(([sign, int, frac, exp]) => sign + int + (frac === null ? '' : '.' + frac) + (exp === null ? '' : exp.join('')));
    fc.assert(fc.property(fc.array(number, { minLength: 1, maxLength: 5 }), (nums) => expectSame([...nums, `[${nums.join(',')}]`, `{"n":${nums.join(',"m":')}}`])), { numRuns: 500 });
  });

  it('prints a benchmark-shaped document right the first time, when cached, reordered and with a duplicate', () => {
    const doc =
      '{"source":"ios","session":"865571a8","device":{"os":"linux","ver":"3.5.1","screen":[1920,1080]},"geo":{"country":"DE","city":"Berlin","lat":54.437,"lon":49.334},"tags":["mobile","newsletter"],"amount":950.58,"items":[{"sku":73415,"qty":4}],"consent":true}';
    // Keys by UTF-8 length, then bytewise: geo, tags, items, amount < device < source, consent < session.
    const expected =
      '{"geo": {"lat": 54.437, "lon": 49.334, "city": "Berlin", "country": "DE"}, "tags": ["mobile", "newsletter"], "items": [{"qty": 4, "sku": 73415}], "amount": 950.58, "device": {"os": "linux", "ver": "3.5.1", "screen": [1920, 1080]}, "source": "ios", "consent": true, "session": "865571a8"}';
    for (let i = 0; i < 3; i++) expect(canonicalJsonb(doc)).toBe(expected);
    const members = JSON.parse(doc) as Record<string, unknown>;
    const reversed = '{' + Object.keys(members).reverse().map((k) => `${JSON.stringify(k)}:${JSON.stringify(members[k])}`).join(',') + '}';
    expect(canonicalJsonb(reversed)).toBe(expected);
    expect(canonicalJsonb(doc.replace('"consent":true}', '"consent":true,"source":"web"}'))).toBe(expected.replace('"source": "ios"', '"source": "web"'));
    expect(canonicalJsonb(doc)).toBe(expected);
  });

  it('for random documents over a small key pool (property)', () => {
    fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 20 }), (docs) => expectSame(docs)), { numRuns: 300 });
  });

  it('for one shape learned, then its keys permuted, repeated, dropped and damaged (property)', () => {
    const base = ['source', 'session', 'device', 'geo', 'tags', 'amount', 'items', 'consent'];
    const doc = (keys: readonly string[]): string => '{' + keys.map((k, i) => `"${k}":${i % 2 ? `{"${keys[0]}":${i}}` : i}`).join(',') + '}';
    const shape = fc.oneof(
      fc.shuffledSubarray(base, { minLength: 1 }),
      fc.array(fc.constantFrom(...base, 'sourc', 'sources', 'Source', 'séssion'), { minLength: 1, maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(shape, { minLength: 1, maxLength: 10 }), fc.nat(), (shapes, cut) => {
        const docs = [doc(base), doc(base), ...shapes.map(doc)];
        // A document cut short or with a wrong character after a cached key prefix.
        const last = docs[docs.length - 1]!;
        docs.push(last.slice(0, cut % last.length), last.slice(0, cut % last.length) + '#' + last.slice(cut % last.length));
        docs.push(doc(base));
        expectSame(docs);
      }),
      { numRuns: 300 },
    );
  });

  it('for keys cached with one spelling and met with another', () => {
    expectSame(['{"a":1,"b":2}', '{"\\u0061":1,"b":2}', '{"a":1,"\\u0062":2,"a":3}', '{"\\u0061":1,"a":2}', '{"a":1,"a":2}']);
    expectSame(['{"b":1,"a":2}', '{"b":1,"ab":2}', '{"bb":1,"a":2}', '{"b":1,"a":2,"":3}', '{"b":1}', '{"b":1,"a":2}']);
    expectSame(['{"😀":1,"\\uff01a":2}', '{"\\ud83d\\ude00":1,"\\uff01a":2}', '{"😀":1,"\\uFF01a":2,"😀":3}']);
    expectSame(['{"a\\"b":1,"c":2}', '{"a\\"b":1,"c":2}', '{"a\\u0022b":1,"c":2}', '{"a\\nb":1,"a\\u000ab":2}']);
    expectSame(['{"a":1,"b":2}', '{"a":1,"b" 2}', '{"a":1,"b":2,}', '{"a"', '{"a":1,"\\u0000":2}', '{"a":1,"b":2}']);
  });

  it('when the cache fills up and starts over, and for documents deeper or wider than it holds', () => {
    const steady = ['{"z":1,"y":{"x":2,"w":3},"a":[{"b":1,"a":2}]}', '{"theme":"dark","lang":"en","notifications":{"email":false,"push":true}}'];
    const docs: string[] = [...steady];
    // Objects keyed by ids: every one a new shape, past the cap on a node's children.
    for (let i = 0; i < 2000; i++) {
      docs.push(`{"id${i}":${i},"k":{"id${i >> 1}":1,"a":2}}`);
      if (i % 97 === 0) docs.push(...steady);
    }
    // Shapes that stay under that cap (40 children a node) but fill the cache several times over.
    for (let i = 0; i < SHAPE_CACHE_UNITS; i++) {
      docs.push(`{"b${(i / 40) % 40 | 0}":1,"a${i % 40}":{"c${(i / 1600) % 40 | 0}":2,"a":3},"b${i % 40}":4}`);
      if (i % 997 === 0) docs.push(...steady);
    }
    docs.push(...steady);
    // One object with more members than the cache holds, and one beyond it by a duplicate.
    const wide = Array.from({ length: SHAPE_CACHE_UNITS + 10 }, (_, i) => `"w${(i * 7919) % (SHAPE_CACHE_UNITS + 10)}":${i}`);
    docs.push('{' + wide.join(',') + '}', '{' + wide.join(',') + ',"w0":"last"}', ...steady);
    for (const d of docs) expect(canonicalJsonb(d)).toBe(referenceJsonb(d));
  });
});
