/**
 * The cutover rehearsed before anything is loaded (dry run and real run alike): a swap that
 * would fail (ownership, privileges, a name taken in the live schema, a foreign key that cannot
 * be re-pointed) stops the run here, with every reason and its fix, instead of after the load.
 * It also says which live objects the cutover moves aside and what depends on them.
 */
import type pg from 'pg';
import { LoadError } from '../../errors.js';
import type { Plan } from '../../model/plan.js';
import type { RunResult } from '../../model/run-result.js';
import { countOrphans, foreignKeyLabel, rehearseSwap, type SwapRehearsal } from '../../cutover/rehearse-swap.js';
import { qualify, quoteIdent } from '../../plan/identifiers.js';
import type { StepLog } from '../step-log.js';

export interface SwapCheckOptions {
  readonly live: string;
  /** The schema the cutover would move the replaced objects into. */
  readonly previous: string;
  readonly mode: 'cutover' | 'dry-run';
}

/** `3 tables (customers, orders, products) and 1 view (customer_emails)` */
export function replacedText(r: Pick<SwapRehearsal, 'replaces'>): string {
  const groups = new Map<string, string[]>();
  for (const x of r.replaces) groups.set(x.kind, [...(groups.get(x.kind) ?? []), x.name]);
  return [...groups].map(([kind, names]) => `${names.length} ${kind.replace('-', ' ')}${names.length > 1 ? 's' : ''} (${names.join(', ')})`).join(' and ');
}

export async function checkSwap(admin: pg.ClientBase, plan: Plan, o: SwapCheckOptions, log: StepLog): Promise<SwapRehearsal> {
  const r = await log.timed('rehearse cutover', 'pre', async () => {
    const rehearsal = await rehearseSwap(admin, plan, o.live);
    if (rehearsal.problems.length) {
      const n = rehearsal.problems.length;
      throw new LoadError('E_SWAP_REHEARSAL', `The cutover into schema ${o.live} would fail, so nothing was loaded (${n} problem${n > 1 ? 's' : ''}):\n${rehearsal.problems.map((p) => `  - ${p}`).join('\n')}`, {
        hint: `Fix each as said (as the owner or a superuser), then run again (a --dry-run checks the same). The live schema is unchanged.`,
      });
    }
    return rehearsal;
  });
  if (r.replaces.length) {
    const what = replacedText(r);
    log.warn(
      o.mode === 'cutover'
        ? `the cutover will move the live ${what} of schema ${o.live} aside into ${o.previous} (kept, not dropped; rollback restores them)`
        : `a cutover would move the live ${what} of schema ${o.live} aside into a sqlite2pg_previous_… schema (kept, not dropped; rollback restores them)`,
    );
  }
  // A dry run says now what depends on them; a real run says it after the swap, with what it did.
  if (o.mode === 'dry-run') for (const d of r.dependents) log.warn(d.action);
  return r;
}

/**
 * Dry run, after the load: the foreign keys the cutover would re-point, checked read-only
 * against the staging data (the rows the new tables will hold).
 */
export async function rehearseForeignKeys(admin: pg.ClientBase, r: SwapRehearsal, staging: string, log: StepLog): Promise<NonNullable<RunResult['cutover']['foreignKeys']>> {
  const out: NonNullable<RunResult['cutover']['foreignKeys']>[number][] = [];
  for (const fk of r.foreignKeys) {
    const orphans = await countOrphans(admin, fk, staging);
    const validate = `ALTER TABLE ${qualify(fk.schema, fk.table)} VALIDATE CONSTRAINT ${quoteIdent(fk.name)};`;
    out.push({ constraint: foreignKeyLabel(fk), references: `${fk.refTable} (${fk.refColumns.join(', ')})`, validated: orphans === 0 && fk.validated, orphans, validateCommand: orphans === 0 && fk.validated ? null : validate });
    if (orphans > 0) {
      log.warn(`foreign key ${foreignKeyLabel(fk)}: ${orphans} row${orphans === 1 ? '' : 's'} of ${fk.schema}.${fk.table} reference${orphans === 1 ? 's' : ''} no row of the new ${fk.refTable} (${fk.refColumns.join(', ')}): the cutover would re-point it NOT VALID; fix those rows first, or after it run ${validate}`);
    }
  }
  return out;
}
