/**
 * `sqlite2pg prune`: print what prune-run removed (or, with --dry-run, would remove), with sizes,
 * and what it kept and why.
 */
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { TargetSettings } from '../load/target.js';
import { prune, type PruneItem, type PruneOptions } from '../run/prune-run.js';
import { formatBytes, plural } from '../report/format.js';
import { textTable } from '../report/text-table.js';
import type { Output } from './output.js';

const KIND: Record<PruneItem['kind'], string> = {
  staging: 'staging schema',
  previous: 'previous schema',
  rolledback: 'rolled-back schema',
  snapshot: 'snapshot file',
};

function rows(items: readonly PruneItem[]): string[][] {
  return items.map((i) => [KIND[i.kind], i.name, i.runId ?? '(no run recorded)', i.runStatus ?? '', formatBytes(i.bytes), i.ageDays === null ? '' : `${Math.floor(i.ageDays)} d`]);
}

const COLUMNS = [{ header: 'what' }, { header: 'name' }, { header: 'run' }, { header: 'run state' }, { header: 'size', align: 'right' as const }, { header: 'age', align: 'right' as const }];

export async function runPrune(out: Output, target: TargetSettings, o: PruneOptions): Promise<ExitCodeValue> {
  const r = await prune(target, o);
  if (out.options.json) {
    out.json({ exitCode: ExitCode.ok, target: target.display, dryRun: r.dryRun, bytes: r.bytes, dropped: r.dropped, kept: r.kept });
    return ExitCode.ok;
  }
  const lines: string[] = [];
  if (r.dropped.length === 0) lines.push(`Nothing to prune in ${target.display}${r.kept.length ? '' : ': no kept schemas or snapshots'}.`);
  else {
    lines.push(`${r.dryRun ? 'Would remove' : 'Removed'} ${plural(r.dropped.length, 'item')}, ${formatBytes(r.bytes)}${r.dryRun ? ' (dry run: nothing was changed)' : ''}:`);
    lines.push(textTable(COLUMNS, rows(r.dropped), '  '));
  }
  if (r.kept.length) {
    lines.push('', `Kept ${plural(r.kept.length, 'item')}:`);
    for (const k of r.kept) lines.push(`  ${KIND[k.kind]} ${k.name} (${formatBytes(k.bytes)}): ${k.why}`);
  }
  lines.push('', 'The live schema is never touched by prune.');
  out.result(lines.join('\n'));
  return ExitCode.ok;
}
