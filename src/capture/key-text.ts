/**
 * The changelog's key text: the key columns' `quote()` forms joined by commas (NULL, 123, 1.5,
 * 'it''s', X'00FF'), which keeps every storage class apart and round-trips exactly (quote() prints
 * REAL with 17 significant digits). Parsed back into values to re-read the row by key.
 * https://www.sqlite.org/lang_corefunc.html#quote
 */
export type KeyValue = null | bigint | number | string | Buffer;

export function parseKeyText(text: string): KeyValue[] {
  const out: KeyValue[] = [];
  let i = 0;
  const fail = (): never => {
    throw new Error(`not a captured key: ${JSON.stringify(text.slice(0, 200))}`);
  };
  for (;;) {
    const ch = text[i];
    if (ch === "'") {
      let s = '';
      i++;
      for (;;) {
        const j = text.indexOf("'", i);
        if (j < 0) fail();
        s += text.slice(i, j);
        if (text[j + 1] === "'") {
          s += "'";
          i = j + 2;
        } else {
          i = j + 1;
          break;
        }
      }
      out.push(s);
    } else if ((ch === 'X' || ch === 'x') && text[i + 1] === "'") {
      const j = text.indexOf("'", i + 2);
      if (j < 0) fail();
      out.push(Buffer.from(text.slice(i + 2, j), 'hex'));
      i = j + 1;
    } else if (text.startsWith('NULL', i)) {
      out.push(null);
      i += 4;
    } else {
      const m = /^-?(?:\d+(\.\d*)?(?:e[+-]?\d+)?|Inf)/i.exec(text.slice(i));
      if (!m) fail();
      const t = m![0];
      out.push(/^-?\d+$/.test(t) ? BigInt(t) : /inf/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : Number(t));
      i += t.length;
    }
    if (i === text.length) return out;
    if (text[i] !== ',') fail();
    i++;
  }
}
