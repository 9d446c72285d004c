/**
 * Copy-paste-ready commands in hints: the command name the user typed, the real source path, and
 * the flags that name the same target again (the password as `***`, or `"$DATABASE_URL"`). Pure.
 */

import type { Invocation } from '../model/run-result.js';

export type { Invocation } from '../model/run-result.js';

/** Quote a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from its words, each quoted as needed. */
export function commandLine(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

const WITH_SOURCE = /\b(?:npx )?sqlite2pg (migrate|verify|plan) <source>/g;
const WITH_TARGET = /\b(?:npx )?sqlite2pg (status|rollback|prune|fallback)\b/g;
const OTHER = /\b(?:npx )?sqlite2pg (embedded|plan|migrate|verify)\b/g;

/**
 * Make the commands in a hint runnable as printed: `sqlite2pg migrate <source> --resume` becomes
 * `npx sqlite2pg migrate ./app.db --target 'postgres://u:***@h/db' --resume` for a user who typed
 * `npx sqlite2pg migrate ./app.db --target ...`.
 */
export function personalizeHint(text: string, inv: Invocation | undefined, sourcePath: string | null): string {
  if (!inv) return text;
  const extra = `${inv.targetArgs ? ` ${inv.targetArgs}` : ''}${inv.schemaArgs ? ` ${inv.schemaArgs}` : ''}`;
  return text
    .replace(/ --target <same target>/g, inv.targetArgs ? ` ${inv.targetArgs}` : '')
    .replace(WITH_SOURCE, (_m, cmd: string) => `${inv.command} ${cmd} ${sourcePath ? shellQuote(sourcePath) : '<source>'}${cmd === 'plan' ? '' : extra}`)
    .replace(WITH_TARGET, (m, cmd: string, offset: number, whole: string) => {
      // Leave a command that already names its target alone.
      const rest = whole.slice(offset + m.length);
      return `${inv.command} ${cmd}${/^\s[^.;,)]*--target/.test(rest.split(/[.;)]/)[0] ?? '') ? '' : inv.targetArgs ? ` ${inv.targetArgs}` : ''}`;
    })
    .replace(OTHER, (_m, cmd: string) => `${inv.command} ${cmd}`);
}
