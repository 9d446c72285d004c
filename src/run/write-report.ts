/** Write the Markdown and JSON renderings of a run next to each other, each atomically. */
import { randomBytes } from 'node:crypto';
import { access, link, open, rename, rm, statfs } from 'node:fs/promises';
import { makeDirectory } from '../make-directory.js';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { RunResult } from '../model/run-result.js';
import { renderJson } from '../report/render-json.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { reportFileName } from '../report/report-file-name.js';

/** The file stem of a run's report and quarantine folder: `<YYYYMMDD-HHMMSS-mmm>-<db>[-dry-run]` (see reportFileName). */
export function reportStem(startedAt: Date, sourcePath: string, mode: RunResult['mode']): string {
  return reportFileName({ startedAt: startedAt.toISOString(), source: { path: sourcePath }, mode } as RunResult);
}

/**
 * The stem of a command's own report: `<YYYYMMDD-HHMMSS-mmm>-<name>-<command>[-dry-run]`, the same
 * time stamp and name rules as a run's (reportStem); `name` is the source file (fallback) or the
 * schema (rollback). Written by writeReportFiles like every report.
 */
export function commandReportStem(startedAt: Date, name: string, command: 'rollback' | 'fallback', dryRun = false): string {
  return `${reportStem(startedAt, name, 'cutover')}-${command}${dryRun ? '-dry-run' : ''}`;
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
    await makeDirectory(dir);
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

/**
 * Write `text` to the new file `path` atomically: a temp file in the same directory, fsync, then a
 * hard link to `path`, which never replaces an existing file. No partial file is ever left.
 * Returns false when `path` already exists.
 */
async function writeNew(path: string, text: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(text);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      // A file system without hard links: rename, once the name is seen free.
      if (await access(path).then(() => true, () => false)) return false;
      await rename(tmp, path);
      return true;
    }
  } finally {
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}

/**
 * Write the report as `<stem>.md` and `<stem>.json`, never over an existing report: when the
 * stem is taken (another run started in the same millisecond), `<stem>-2`, `<stem>-3`, ….
 */
export async function writeReports(result: RunResult, reportsDir: string, stem: string): Promise<{ reportPath: string; jsonPath: string }> {
  const [reportPath, jsonPath] = await writeReportFiles(reportsDir, stem, [
    { ext: '.md', text: renderMarkdown(result) },
    { ext: '.json', text: renderJson(result) },
  ]);
  return { reportPath: reportPath!, jsonPath: jsonPath! };
}

/**
 * The one way every report is written (migrate, verify, rollback, fallback): `<stem><ext>` for
 * each of `files` in `reportsDir`, each atomically, never over an existing file: when any of the
 * names is taken, `<stem>-2<ext>`, `<stem>-3<ext>`, … for all of them. Returns the paths, in order.
 */
export async function writeReportFiles(reportsDir: string, stem: string, files: readonly { readonly ext: string; readonly text: string }[]): Promise<string[]> {
  const dir = resolve(reportsDir);
  await makeDirectory(dir);
  next: for (let n = 1; n <= 1000; n++) {
    const name = n === 1 ? stem : `${stem}-${n}`;
    const paths = files.map((f) => join(dir, `${name}${f.ext}`));
    for (const p of paths.slice(1)) if (await access(p).then(() => true, () => false)) continue next;
    const written: string[] = [];
    for (const [i, f] of files.entries()) {
      if (!(await writeNew(paths[i]!, f.text))) {
        for (const w of written) await rm(w, { force: true });
        continue next;
      }
      written.push(paths[i]!);
    }
    return paths;
  }
  throw new Error(`no free report name for ${join(dir, stem)} after 1000 tries`);
}
