/** Write the Markdown and JSON renderings of a run next to each other. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunResult } from '../model/run-result.js';
import { renderJson } from '../report/render-json.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { reportFileName } from '../report/report-file-name.js';

/** The file stem of a run's report and quarantine folder: `<YYYYMMDD-HHMMSS>-<db>[-dry-run]`. */
export function reportStem(startedAt: Date, sourcePath: string, mode: RunResult['mode']): string {
  return reportFileName({ startedAt: startedAt.toISOString(), source: { path: sourcePath }, mode } as RunResult);
}

export async function writeReports(result: RunResult, reportsDir: string, stem: string): Promise<{ reportPath: string; jsonPath: string }> {
  const dir = resolve(reportsDir);
  await mkdir(dir, { recursive: true });
  const reportPath = join(dir, `${stem}.md`);
  const jsonPath = join(dir, `${stem}.json`);
  await writeFile(reportPath, renderMarkdown(result));
  await writeFile(jsonPath, renderJson(result));
  return { reportPath, jsonPath };
}
