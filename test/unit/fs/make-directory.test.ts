import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from '../../../src/make-directory.js';

describe('makeDirectory', () => {
  it('creates every missing level, and accepts one that exists', async () => {
    const base = await mkdtemp(join(tmpdir(), 'sqlite2pg-mkdir-'));
    try {
      await makeDirectory(join(base, 'a', 'b', 'c'));
      expect((await stat(join(base, 'a', 'b', 'c'))).isDirectory()).toBe(true);
      await makeDirectory(join(base, 'a', 'b', 'c'));
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('fails (and ends) under /proc, where Node recursive mkdir loops forever', async () => {
    // Node's mkdir(…, { recursive: true }) never settles here; a 5 s race makes that a failure, not a hang.
    const outcome = await Promise.race([
      makeDirectory('/proc/sqlite2pg-test/reports').then(() => 'created', (e: NodeJS.ErrnoException) => e.code),
      new Promise((res) => setTimeout(() => res('still running after 5 s'), 5000)),
    ]);
    expect(outcome).toBe('ENOENT');
  });

  it('refuses a path through a file', async () => {
    const base = await mkdtemp(join(tmpdir(), 'sqlite2pg-mkdir-'));
    try {
      await writeFile(join(base, 'f'), 'x');
      await expect(makeDirectory(join(base, 'f', 'd'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
