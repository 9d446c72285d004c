/**
 * The PostgreSQL value family a column ends up as, which decides how a SQLite literal or
 * "now" expression must be written for it (defaults) or compared with it (expressions).
 */
import type { ColumnCast } from '../../model/plan.js';

/** Target value family of a column: the cast kind, with date/time split by target type. */
export type TargetKind = 'text' | 'integer' | 'float8' | 'numeric' | 'boolean' | 'bytea' | 'json' | 'timestamptz' | 'timestamp' | 'date' | 'uuid';

/** The TargetKind of a planned column cast. */
export function targetKindOf(cast: ColumnCast): TargetKind {
  return cast.kind === 'datetime' ? cast.target : cast.kind;
}

/** `a text`, `an integer`: the kind with its article, for messages. */
export function withArticle(kind: TargetKind): string {
  return `${/^[aeio]/.test(kind) ? 'an' : 'a'} ${kind}`; // a uuid, an integer
}
