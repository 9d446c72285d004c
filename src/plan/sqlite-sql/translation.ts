/**
 * The result type shared by the translators, and the exception they use internally to give up.
 */
import { SourceError } from '../../errors.js';

/** The result of translating a piece of SQLite SQL to PostgreSQL. */
export type Translation =
  | {
      readonly ok: true;
      /** PostgreSQL SQL. */
      readonly sql: string;
      /** Behaviour differences worth showing in the plan (e.g. "LIKE became ILIKE"). */
      readonly notes: readonly string[];
    }
  | {
      readonly ok: false;
      /** Why it cannot be translated, one sentence for the report's "untranslated" list. */
      readonly reason: string;
    };

export function translated(sql: string, notes: Iterable<string> = []): Translation {
  return { ok: true, sql, notes: [...new Set(notes)] };
}

export function untranslatable(reason: string): Translation {
  return { ok: false, reason };
}

/**
 * Thrown inside the translators to abandon a translation; the public functions turn it into
 * `{ ok: false, reason }`. Never escapes this folder.
 */
export class Untranslatable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'Untranslatable';
  }
}

/**
 * Run a translation, turning Untranslatable and unreadable SQL (SourceError E_SQLITE_SQL_SYNTAX)
 * into `{ ok: false }`: a statement we cannot read is reported, not fatal.
 */
export function attempt(run: () => Translation): Translation {
  try {
    return run();
  } catch (e) {
    if (e instanceof Untranslatable) return untranslatable(e.reason);
    if (e instanceof SourceError && e.code === 'E_SQLITE_SQL_SYNTAX') return untranslatable(e.message);
    throw e;
  }
}
