import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../../src/model/run-result.js';
import { MAX_BARS_PER_SECTION, mermaidTaskName, timelineGantt } from '../../../src/report/timeline-gantt.js';
import { cleanCutoverRun } from './fixtures.js';

const TASK_LINE = /^ {4}[^:#;\n]+ :(done|crit|active), \d+, \d+$/;

function taskLines(chart: string): string[] {
  return chart.split('\n').filter((line) => line.startsWith('    '));
}

function copySteps(n: number): StepResult[] {
  return Array.from({ length: n }, (_, i) => ({
    step: 'copy',
    section: 'data',
    table: `t${i}`,
    status: 'ok',
    startMs: i * 10,
    ms: (i + 1) * 100,
  }));
}

describe('mermaidTaskName', () => {
  it('replaces the characters Mermaid reads as syntax', () => {
    const name = mermaidTaskName('copy a:b#c;d\ne');
    expect(name).not.toMatch(/[:#;\n]/);
    expect(name).toBe('copy a꞉b＃c；d e');
  });
  it('does not let a name start with a gantt keyword', () => {
    expect(mermaidTaskName('section 2')).toBe('▸ section 2');
    expect(mermaidTaskName('sectional')).toBe('sectional');
    expect(mermaidTaskName('  ')).toBe('(unnamed)');
  });
});

describe('timelineGantt', () => {
  it('is a mermaid gantt block on millisecond offsets', () => {
    const chart = timelineGantt(cleanCutoverRun().steps);
    expect(chart.split('\n').slice(0, 5)).toEqual([
      '```mermaid',
      'gantt',
      '  title Run timeline (mm:ss from the start)',
      '  dateFormat x',
      '  axisFormat %M:%S',
    ]);
    expect(chart.endsWith('\n```')).toBe(true);
    for (const line of taskLines(chart)) expect(line).toMatch(TASK_LINE);
  });

  it('has one section per step section, in pipeline order', () => {
    const sections = timelineGantt(cleanCutoverRun().steps)
      .split('\n')
      .filter((l) => l.startsWith('  section '));
    expect(sections).toEqual([
      '  section Prepare',
      '  section Data',
      '  section Indexes and constraints',
      '  section Verify',
      '  section Cutover',
    ]);
  });

  it('shows the longest tables and sums up the others', () => {
    const lines = taskLines(timelineGantt(copySteps(25)));
    expect(lines).toHaveLength(MAX_BARS_PER_SECTION + 1);
    // The 10 longest are t15..t24; the 15 others span from t0's start to t14's end.
    for (let i = 15; i < 25; i++) expect(lines.some((l) => l.startsWith(`    copy t${i} :`))).toBe(true);
    expect(lines.some((l) => l.startsWith('    copy t14 :'))).toBe(false);
    expect(lines.at(-1)).toBe('    15 other tables, 12.0 s in total :done, 0, 1640');
  });

  it('does not sum up a single leftover step', () => {
    const lines = taskLines(timelineGantt(copySteps(MAX_BARS_PER_SECTION + 1)));
    expect(lines).toHaveLength(MAX_BARS_PER_SECTION + 1);
    expect(lines.join('\n')).not.toContain('other');
  });

  it('marks failures, leaves out skipped steps and draws zero-length steps', () => {
    const chart = timelineGantt([
      { step: 'copy', section: 'data', table: 'a', status: 'failed', startMs: 5, ms: 20 },
      { step: 'copy', section: 'data', table: 'b', status: 'skipped', startMs: 25, ms: 0 },
      { step: 'create staging schema', section: 'pre', status: 'rolled-back', startMs: 0, ms: 0 },
    ]);
    expect(taskLines(chart)).toEqual(['    create staging schema :active, 0, 1', '    copy a :crit, 5, 25']);
  });

  it('escapes table names in task names', () => {
    const chart = timelineGantt([{ step: 'copy', section: 'data', table: 'odd:name;#1', status: 'ok', startMs: 0, ms: 3 }]);
    expect(taskLines(chart)).toEqual(['    copy odd꞉name；＃1 :done, 0, 3']);
  });
});
