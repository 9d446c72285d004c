/**
 * `status`, `verify`, `rollback` and `prune` read what a migration left in its target. Without a
 * target and without an embedded server in this folder there is nothing to read: they say so
 * (exit 2, how to pass --target) instead of starting a new, empty embedded server and answering
 * "nothing to roll back".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { sqliteFromSql, tempDir } from '../../support/fixtures.js';

describe('commands that need an existing target', () => {
  let cwd: string;
  let source: string;

  beforeAll(() => {
    cwd = tempDir('cli-no-target');
    source = sqliteFromSql(cwd, 'app', 'CREATE TABLE t (x INTEGER);');
  });

  it.each([['status'], ['rollback'], ['prune', '--dry-run'], ['verify', 'app.db']])('%s without a target exits 2 and says how to pass one', async (...args) => {
    const r = await runCli(args, { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/No target given, and there is no embedded PostgreSQL in this folder/);
    expect(r.stderr).toContain(`Pass it: sqlite2pg ${args.filter((a) => a !== '--dry-run').join(' ')} --target 'postgres://user:***@host:5432/db'`);
    expect(r.stderr).not.toMatch(/nothing to roll back|Started embedded/i);
    expect(existsSync(join(cwd, '.sqlite2pg')), 'no embedded server was created').toBe(false);
    expect(source).toBeTruthy();
  });
});
