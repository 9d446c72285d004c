/**
 * A plain-text table for the console (pgloader's summary, Flyway's `info`): columns padded to
 * their widest cell, numbers right-aligned, a rule under the header. Pure; no colours.
 */
import { displayWidth } from './markdown-table.js';

export interface TextColumn {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

export function textTable(columns: readonly TextColumn[], rows: readonly (readonly string[])[], indent = ''): string {
  const widths = columns.map((c, i) => Math.max(displayWidth(c.header), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const cell = (text: string, i: number): string => {
    const gap = ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(text)));
    return columns[i]?.align === 'right' ? gap + text : text + gap;
  };
  const line = (r: readonly string[]): string => `${indent}${columns.map((_, i) => cell(r[i] ?? '', i)).join('  ')}`.trimEnd();
  return [line(columns.map((c) => c.header)), `${indent}${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.map(line)].join('\n');
}
