/** Write the Markdown and JSON renderings of a run next to each other, each atomically. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { RunResult } from '../model/run-result.js';
import { renderJson } from '../report/render-json.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { reportFileName } from '../report/report-file-name.js';

/** The file stem of a run's report and quarantine folder: `<YYYYMMDD-HHMMSS>-<db>[-dry-run]`. */
export function reportStem(startedAt: Date, sourcePath: string, mode: RunResult['mode']): string {
  return reportFileName({ startedAt: startedAt.toISOString(), source: { path: sourcePath }, mode } as RunResult);
}

/**
 * Free space the reports directory must have before a run starts: a report of a few hundred
 * tables is ~100 KB, quarantine files come on top. A floor, not a promise: quarantine files or a
 * snapshot on the same file system can still fill it, which the run then reports as such.
 */
export const REPORTS_MIN_FREE_BYTES = 1 << 20;

/**
 * Pre-flight: the reports directory exists (or can be made), a file can be created in it, and it
 * has REPORTS_MIN_FREE_BYTES free (statfs). Checked before anything else, so that a run never
 * cuts over and then finds it cannot say so.
 */
export async function checkReportsDir(reportsDir: string): Promise<void> {
  const dir = resolve(reportsDir);
  const fail = (why: string, cause?: unknown): never => {
    throw new UsageError(`The reports directory ${reportsDir} cannot be used: ${why}.`, { ...(cause ? { cause } : {}), hint: 'Pass --reports <a writable directory with free space>; nothing was done.' });
  };
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    fail(`it cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, e);
  }
  const probe = join(dir, `.sqlite2pg-write-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await open(probe, 'wx');
    await fh.close();
  } catch (e) {
    fail(`a file cannot be created in it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, e);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  if (free < REPORTS_MIN_FREE_BYTES) fail(`only ${Math.floor(free / 1024)} KiB free, at least ${REPORTS_MIN_FREE_BYTES >> 10} KiB needed for the report and quarantine files`);
}

/** Write `text` to `path` atomically: a temp file in the same directory, fsync, rename. No partial file is ever left. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(text);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

export async function writeReports(result: RunResult, reportsDir: string, stem: string): Promise<{ reportPath: string; jsonPath: string }> {
  const dir = resolve(reportsDir);
  await mkdir(dir, { recursive: true });
  const reportPath = join(dir, `${stem}.md`);
  const jsonPath = join(dir, `${stem}.json`);
  await writeAtomic(reportPath, renderMarkdown(result));
  await writeAtomic(jsonPath, renderJson(result));
  return { reportPath, jsonPath };
}
