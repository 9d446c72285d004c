/**
 * Nests a token list by parentheses, so translators can treat `f(...)`, `IN (...)` and
 * subqueries as one node and split argument lists at the commas of their own level.
 */
import { SourceError } from '../../errors.js';
import type { Token } from './tokenize-sqlite.js';

/** A parenthesised part of the statement: `(` children `)`. */
export interface Group {
  readonly kind: 'group';
  readonly open: Token;
  readonly close: Token;
  readonly children: readonly SqlNode[];
  readonly start: number;
  readonly end: number;
}

/** A token, or a parenthesised group of nodes. */
export type SqlNode = Token | Group;

/** Nest `tokens` by parentheses. Throws SourceError on unbalanced parentheses. */
export function buildTokenTree(tokens: readonly Token[]): SqlNode[] {
  const stack: { open: Token | null; children: SqlNode[] }[] = [{ open: null, children: [] }];
  for (const t of tokens) {
    if (t.kind === 'punct' && t.value === '(') {
      stack.push({ open: t, children: [] });
    } else if (t.kind === 'punct' && t.value === ')') {
      const frame = stack.pop();
      const parent = stack[stack.length - 1];
      if (!frame || !frame.open || !parent) throw unbalanced(t.start);
      parent.children.push({ kind: 'group', open: frame.open, close: t, children: frame.children, start: frame.open.start, end: t.end });
    } else {
      stack[stack.length - 1]!.children.push(t);
    }
  }
  const top = stack[stack.length - 1]!;
  if (stack.length !== 1 || top.open) throw unbalanced(top.open?.start ?? 0);
  return top.children;
}

function unbalanced(at: number): SourceError {
  return new SourceError('E_SQLITE_SQL_SYNTAX', `cannot read SQLite SQL: unbalanced parentheses at offset ${at}`);
}

export function isGroup(node: SqlNode | undefined): node is Group {
  return node !== undefined && node.kind === 'group';
}

export function isToken(node: SqlNode | undefined): node is Token {
  return node !== undefined && node.kind !== 'group';
}

/** True for the punctuation or operator token `value`. */
export function isSymbol(node: SqlNode | undefined, value: string): boolean {
  return isToken(node) && (node.kind === 'punct' || node.kind === 'operator') && node.value === value;
}

/** Split `nodes[from, to)` at the commas of this level into [from, to) ranges. */
export function splitByComma(nodes: readonly SqlNode[], from = 0, to = nodes.length): [number, number][] {
  const parts: [number, number][] = [];
  let start = from;
  for (let i = from; i < to; i++) {
    if (isSymbol(nodes[i], ',')) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  parts.push([start, to]);
  return parts;
}
