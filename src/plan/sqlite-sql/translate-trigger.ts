/**
 * translateTouchTrigger(): recognise the one SQLite trigger almost every application has,
 *
 *   CREATE TRIGGER t_touch AFTER UPDATE ON t [FOR EACH ROW]
 *   BEGIN UPDATE t SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END
 *
 * and turn it into the plan's touch trigger (a PostgreSQL BEFORE UPDATE trigger that sets the
 * column), with "now" written for the column's type as its DEFAULT would be (so a text column gets
 * SQLite's 'YYYY-MM-DD HH:MM:SS' text, not timestamptz output). Anything else (UPDATE OF, WHEN,
 * several statements, another table or row, a value that is not "now") is left to the report.
 * https://www.sqlite.org/lang_createtrigger.html
 */
import type { TablePlan } from '../../model/plan.js';
import { buildTokenTree, isSymbol, isToken, type SqlNode } from '../../source/sqlite-sql/build-token-tree.js';
import { targetKindOf } from './target-kind.js';
import { translateDefault } from './translate-default.js';
import { foldIdentifier, isWord, tokenizeSqlite, type Token } from '../../source/sqlite-sql/tokenize-sqlite.js';

export interface TouchTrigger {
  /** Target column the trigger sets. */
  readonly column: string;
  /** PostgreSQL SQL of the value, for the column's type. */
  readonly sql: string;
}

const NOW = /\bcurrent_(timestamp|date|time)\b|'now'|\bunixepoch\s*\(\s*\)/i;

function name(n: SqlNode | undefined): string | null {
  return isToken(n) && (n.kind === 'word' || n.kind === 'quoted' || n.kind === 'string') ? n.value : null;
}

/** The touch trigger `sql` (a CREATE TRIGGER of `table`) amounts to, or null. */
export function translateTouchTrigger(sql: string, table: TablePlan): TouchTrigger | null {
  let nodes: SqlNode[];
  try {
    nodes = buildTokenTree(tokenizeSqlite(sql));
  } catch {
    return null;
  }
  if (isSymbol(nodes[nodes.length - 1], ';')) nodes.pop();
  const begin = nodes.findIndex((n) => isWord(n as Token, 'BEGIN'));
  const end = nodes.length - 1;
  if (begin < 0 || end <= begin || !isWord(nodes[end] as Token, 'END')) return null;
  // Header: CREATE [TEMP] TRIGGER [IF NOT EXISTS] name (AFTER|BEFORE) UPDATE ON table [FOR EACH ROW]
  const head = nodes.slice(0, begin);
  let k = 0;
  if (!isWord(head[k++] as Token, 'CREATE')) return null;
  if (isWord(head[k] as Token, 'TEMP') || isWord(head[k] as Token, 'TEMPORARY')) k++;
  if (!isWord(head[k++] as Token, 'TRIGGER')) return null;
  if (isWord(head[k] as Token, 'IF')) k += 3;
  k++; // trigger name
  if (isSymbol(head[k], '.')) k += 2;
  if (!(isWord(head[k] as Token, 'AFTER') || isWord(head[k] as Token, 'BEFORE'))) return null;
  k++;
  if (!isWord(head[k++] as Token, 'UPDATE') || !isWord(head[k++] as Token, 'ON')) return null;
  const on = name(head[k++]);
  if (on === null || foldIdentifier(on) !== foldIdentifier(table.source)) return null;
  if (isWord(head[k] as Token, 'FOR')) k += 3;
  if (k !== head.length) return null; // WHEN ..., or anything else
  // Body: exactly UPDATE table SET col = <now> WHERE key = NEW.key ;
  const body = nodes.slice(begin + 1, end);
  if (isSymbol(body[body.length - 1], ';')) body.pop();
  if (body.some((n) => isSymbol(n, ';'))) return null;
  if (!isWord(body[0] as Token, 'UPDATE') || foldIdentifier(name(body[1]) ?? '') !== foldIdentifier(table.source) || !isWord(body[2] as Token, 'SET')) return null;
  const setColumn = name(body[3]);
  if (setColumn === null || !isSymbol(body[4], '=')) return null;
  const where = body.findIndex((n) => isWord(n as Token, 'WHERE'));
  if (where < 6) return null;
  const column = table.columns.find((c) => foldIdentifier(c.source) === foldIdentifier(setColumn));
  if (!column || column.generated) return null;
  const valueSql = sql.slice(body[5]!.start, body[where - 1]!.end);
  if (!NOW.test(valueSql)) return null;
  if (!sameRow(body.slice(where + 1), table)) return null;
  const value = translateDefault(valueSql, targetKindOf(column.cast), column.cast.kind === 'datetime' ? { timeZone: column.cast.timeZone, dateFormat: column.cast.format } : {});
  return value.ok ? { column: column.target, sql: value.sql } : null;
}

/** `key = NEW.key` (either side, NEW or OLD) where key is the rowid or the single-column primary key. */
function sameRow(cond: readonly SqlNode[], table: TablePlan): boolean {
  if (cond.length !== 5) return false;
  const [a, b, c, d, e] = cond;
  const rowKey = (n: string): boolean => {
    const f = foldIdentifier(n);
    if (['rowid', '_rowid_', 'oid'].includes(f) && table.readKey.kind === 'rowid') return true;
    const pk = table.primaryKey?.columns ?? [];
    return pk.length === 1 && table.columns.some((col) => col.target === pk[0] && foldIdentifier(col.source) === f);
  };
  const newRef = (x: SqlNode | undefined, y: SqlNode | undefined, z: SqlNode | undefined): string | null => {
    const q = name(x);
    return q !== null && ['new', 'old'].includes(foldIdentifier(q)) && isSymbol(y, '.') ? name(z) : null;
  };
  // key = NEW.key
  const left = name(a);
  const right = newRef(c, d, e);
  if (left !== null && right !== null && (isSymbol(b, '=') || isSymbol(b, '==')) && foldIdentifier(left) === foldIdentifier(right) && rowKey(left)) return true;
  // NEW.key = key
  const l2 = newRef(a, b, c);
  const r2 = name(e);
  return l2 !== null && r2 !== null && (isSymbol(d, '=') || isSymbol(d, '==')) && foldIdentifier(l2) === foldIdentifier(r2) && rowKey(r2);
}
