/**
 * The base name of a run's report files: the CLI appends `.md` and `.json`.
 */
import type { RunResult } from '../model/run-result.js';

/** Longest source stem kept in a file name (the timestamp tells runs apart). */
const MAX_STEM = 60;

/**
 * `<YYYYMMDD-HHMMSS-mmm>-<source file stem>[-dry-run]`, e.g. `20240501-100000-000-chinook-dry-run`:
 * the time is run.startedAt in UTC to the millisecond (two runs started in the same second get
 * two names; fixed width, so the names sort by time; no `.`, so a quarantine folder of that name
 * never looks like a file with an extension), the stem is the source file's name without
 * its last extension (either `/` or `\` separates directories). Only `[A-Za-z0-9_-]` are kept:
 * accents are dropped (`données` → `donnees`), other characters become `-`, and an empty stem
 * becomes `database`, so the name is safe on every file system and in a shell. No extension.
 * The writer (run/write-report.ts) never replaces a report: a name taken in the same millisecond
 * gets `-2`, `-3`, ….
 * @throws RangeError when run.startedAt is not a valid date (a bug in whoever built the RunResult).
 */
export function reportFileName(run: RunResult): string {
  const started = new Date(run.startedAt);
  if (Number.isNaN(started.getTime())) throw new RangeError(`run.startedAt is not a date: ${JSON.stringify(run.startedAt)}`);
  const stamp =
    `${String(started.getUTCFullYear()).padStart(4, '0')}${pad2(started.getUTCMonth() + 1)}${pad2(started.getUTCDate())}-` +
    `${pad2(started.getUTCHours())}${pad2(started.getUTCMinutes())}${pad2(started.getUTCSeconds())}-${String(started.getUTCMilliseconds()).padStart(3, '0')}`;
  const suffix = run.mode === 'dry-run' ? '-dry-run' : '';
  return `${stamp}-${fileStem(run.source.path)}${suffix}`;
}

function fileStem(path: string): string {
  const base = path.split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const safe = stem
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, MAX_STEM)
    .replace(/[-_]+$/, '');
  return safe === '' ? 'database' : safe;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
