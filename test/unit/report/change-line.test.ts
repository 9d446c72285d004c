/** The Summary's Change line names the live objects a cutover moved aside (or a dry run would move). */
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../src/report/render-markdown.js';
import { cleanCutoverRun, dryRun } from './fixtures.js';

const changeLine = (md: string): string => md.split('\n').find((l) => l.startsWith('- **Change:**'))!;

describe('Change line', () => {
  it('a cutover names what it replaced and where it went', () => {
    const run = cleanCutoverRun();
    const md = renderMarkdown({ ...run, cutover: { ...run.cutover, previousSchema: 'sqlite2pg_previous_x', replaces: [{ kind: 'table', name: 'users' }, { kind: 'materialized-view', name: 'stats' }] } });
    expect(changeLine(md)).toMatch(/, replacing the live `users`, materialized view `stats` \(moved aside into `sqlite2pg_previous_x`\)/);
  });

  it('a dry run names what a cutover would move aside', () => {
    const run = dryRun();
    const md = renderMarkdown({ ...run, cutover: { ...run.cutover, replaces: [{ kind: 'table', name: 'users' }] } });
    expect(changeLine(md)).toMatch(/was not touched; a cutover would move aside the live `users`\.$/);
  });

  it('says nothing more when nothing is replaced', () => {
    expect(changeLine(renderMarkdown(cleanCutoverRun()))).not.toMatch(/replacing/);
    expect(changeLine(renderMarkdown(dryRun()))).not.toMatch(/would move aside/);
  });
});
