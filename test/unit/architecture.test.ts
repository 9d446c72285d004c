/**
 * The house rule: folders are stages and dependencies point one way (source → plan → encode →
 * load → verify → cutover → report, run and cli on top). This reads every import in src/ and
 * fails naming each one that runs back up.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

/** Lower layers first; a file may import from its own folder or any folder of a lower layer. */
const LAYERS: readonly (readonly string[])[] = [
  ['(root)', 'model'],
  ['embedded'],
  ['source'],
  ['capture'],
  ['plan'],
  ['mappings'],
  ['config'],
  ['encode'],
  ['load'],
  ['verify'],
  ['cutover'],
  ['report'],
  ['run'],
  ['cli'],
];

function rank(folder: string): number {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  if (i < 0) throw new Error(`src/${folder} is not placed in LAYERS`);
  return i;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function folderOf(path: string): string {
  const parts = relative(SRC, path).split('/');
  return parts.length > 1 ? parts[0]! : '(root)';
}

describe('dependency direction', () => {
  it('no import in src/ runs back up the stages', () => {
    const wrong: string[] = [];
    for (const f of files(SRC)) {
      const from = folderOf(f);
      // Static imports, and the lazy `await import('…')` of a command's stages (src/cli).
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
        const to = folderOf(normalize(join(dirname(f), m[1]!)));
        if (to !== from && rank(to) > rank(from)) wrong.push(`${relative(SRC, f)} imports ${m[1]} (${from} → ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('only src/source opens SQLite (better-sqlite3)', () => {
    const importers = files(SRC).filter((f) => /from 'better-sqlite3'/.test(readFileSync(f, 'utf8')) && folderOf(f) !== 'source');
    expect(importers.map((f) => relative(SRC, f))).toEqual([]);
  });
});
