/**
 * File names of mapping files: `<table>.json`, with the table name made safe for every file system.
 * Pure: no I/O. The real table name is always the `table` key inside the file; the file name is
 * only required to equal mappingFileName(table), so it never has to be decoded.
 */
import { createHash } from 'node:crypto';

/** Characters kept as they are; everything else (including `.` and `%`) is %XX-encoded per UTF-8 byte. */
const SAFE = /^[A-Za-z0-9_-]$/;
/** Device names Windows refuses as file names, whatever the extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
/** Keep names well below the usual 255-byte limit, with room for `.json`. */
const MAX_STEM_BYTES = 200;

function encodeChar(ch: string): string {
  return [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/**
 * `posts` → `posts.json`; `a/b` → `a%2Fb.json`; `Order Details` → `Order%20Details.json`.
 * Dots are encoded too, so no table can produce `mapping.schema.json` or a hidden file.
 * A stem longer than 200 bytes is cut and suffixed with `~` and 8 hex digits of the name's sha1.
 */
export function mappingFileName(table: string): string {
  const parts = Array.from(table, (ch) => (SAFE.test(ch) ? ch : encodeChar(ch)));
  let stem = parts.join('');
  if (WINDOWS_RESERVED.test(stem)) stem = encodeChar(stem[0]!) + stem.slice(1);
  if (stem.length > MAX_STEM_BYTES) {
    // Cut on a character boundary, so no character's escapes are split.
    const budget = MAX_STEM_BYTES - 9;
    let cut = '';
    for (const part of parts) {
      if (cut.length + part.length > budget) break;
      cut += part;
    }
    const hash = createHash('sha1').update(table, 'utf8').digest('hex').slice(0, 8);
    stem = `${cut}~${hash}`;
  }
  return `${stem}.json`;
}

/**
 * Best-effort table name for a file name (used only when a file has no usable `table` key):
 * `%XX` escapes decoded, `.json` removed.
 */
export function tableNameFromFileName(fileName: string): string {
  const stem = fileName.endsWith('.json') ? fileName.slice(0, -'.json'.length) : fileName;
  try {
    return decodeURIComponent(stem);
  } catch {
    return stem;
  }
}
