/**
 * What the terminal gets: plain timestamped lines without escape codes when stderr is not a
 * terminal (with or without CI); the live task list when it is one (run under script(1), which
 * gives the CLI a pseudo-terminal); NO_COLOR; --quiet.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../../support/cli.js';
import { fixtureDb, noMappings, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

// eslint-disable-next-line no-control-regex
const ESC = /\x1b/;
// eslint-disable-next-line no-control-regex
const SGR_COLOUR = /\x1b\[(?:3[0-7]|9[0-7]|1|2)m/;
const ISO_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
/** The text of a terminal capture without its escape sequences. */
// eslint-disable-next-line no-control-regex
const plain = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** Run the CLI on a pseudo-terminal of 100×40; returns what the terminal received. */
function onTerminal(args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): { code: number | null; screen: string } {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL' && k !== 'CI' && k !== 'NO_COLOR'));
  const r = spawnSync('script', ['-qfec', `stty cols 100 rows 40; ${quoted}`, logFile], { env: { ...base, TERM: 'xterm-256color', ...env }, encoding: 'utf8' });
  if (r.error) throw new Error(`script(1) from util-linux is needed for this test: ${r.error.message}`);
  return { code: r.status, screen: readFileSync(logFile, 'utf8') };
}

describe('terminal output', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  let n = 0;
  const args = (...extra: string[]): string[] => {
    n += 1;
    return ['migrate', source, '--target', db.url, '--schema', `s${n}`, '--reports', join(work, `reports${n}`), '--snapshot-dir', join(work, 'snap'), '--mappings', noMappings(work), ...extra];
  };

  beforeAll(async () => {
    db = await createTestDatabase('cli_terminal');
    work = tempDir('cli-terminal');
    source = fixtureDb(work, 'store');
  });
  afterAll(async () => db?.drop());

  it.each([
    ['CI set', { CI: '1' }],
    ['no CI, stderr piped', { CI: '' }],
  ])('not a terminal (%s): plain timestamped lines, no escape codes', async (_name, env) => {
    const r = await runCli(args(), { env: { ...env, FORCE_COLOR: '3' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(ESC);
    expect(r.stderr).not.toMatch(ESC);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line).toMatch(ISO_LINE);
    expect(r.stderr).toMatch(/▶ load data\n/);
    expect(r.stderr).toMatch(/✔ Artist: 6 rows in /);
  });

  it('--quiet: no progress, only the result', async () => {
    const r = await runCli(args('--quiet'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/▶|✔/);
    expect(r.stdout).toMatch(/^PASSED: 6 tables, 22 rows/);
  });

  it('--verbose: the SQL issued, as plain lines', async () => {
    const r = await runCli(args('--verbose'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/CREATE TABLE .*"Artist"/);
  });

  it('a terminal: the live task list, then the result', () => {
    const t = onTerminal(args(), {}, join(work, 'tty.log'));
    expect(t.code, t.screen).toBe(0);
    expect(t.screen).toMatch(SGR_COLOUR);
    const text = plain(t.screen);
    // The last frame of each phase stays on the screen.
    expect(text).toMatch(/✔ load data · 6 tables, 22 rows in /);
    expect(text).toMatch(/ {2}✔ Artist\s+6 rows in /);
    expect(text).toMatch(/✔ build keys, indexes, constraints · \d+ steps/);
    expect(text).toMatch(/✔ verify · 6 of 6 tables match/);
    expect(text).toMatch(/✔ cutover/);
    expect(text).toMatch(/PASSED: 6 tables, 22 rows, verified/);
    expect(text).not.toMatch(/^\d{4}-\d\d-\d\dT/m);
  });

  it('a terminal with NO_COLOR: the task list without colours', () => {
    const t = onTerminal(args(), { NO_COLOR: '1' }, join(work, 'tty-nocolor.log'));
    expect(t.code, t.screen).toBe(0);
    expect(plain(t.screen)).toMatch(/✔ load data · 6 tables/);
    expect(t.screen).not.toMatch(SGR_COLOUR);
  });
});
