/**
 * The step log of a run: every phase and table step as a StepResult, plus the run's warnings,
 * forwarded to the progress display as they happen. Phases record into it; the RunResult is
 * assembled from it at the end. It holds no connection and no run state besides these two lists.
 */
import { MigrateError } from '../errors.js';
import type { StepResult } from '../model/run-result.js';
import type { TableLoad } from '../load/load-tables.js';

export interface RunEvents {
  phase?(name: string, status: 'start' | 'done' | 'failed' | 'skipped', detail?: string): void;
  tableStart?(table: string, totalRows: number): void;
  tableRows?(table: string, rows: number): void;
  tableDone?(load: TableLoad): void;
  step?(s: StepResult): void;
  warn?(message: string): void;
  sql?(sql: string): void;
}

export class StepLog {
  readonly steps: StepResult[] = [];
  readonly warnings: string[] = [];
  readonly t0: number;
  readonly events: RunEvents;

  constructor(t0: number, events: RunEvents = {}) {
    this.t0 = t0;
    this.events = events;
  }

  step(s: StepResult): void {
    this.steps.push(s);
    this.events.step?.(s);
  }

  /** A warning for the report, shown live too. */
  warn(message: string): void {
    this.warnings.push(message);
    this.events.warn?.(message);
  }

  /** Warnings already shown elsewhere (e.g. by the plan summary): recorded only. */
  note(messages: readonly string[]): void {
    this.warnings.push(...messages);
  }

  /** Run one phase as a report row: ok, failed, or rolled back (a cutover its own transaction undid). */
  timed<T>(name: string, section: StepResult['section'], fn: () => Promise<T>): Promise<T> {
    return this.#record(name, section, null, fn);
  }

  /**
   * A phase whose work already ran beside another one (e.g. in the snapshot's worker thread):
   * its report row carries the work's own start (epoch ms) and duration; `fn` turns the work's
   * outcome into the phase's result or error.
   */
  ranBeside<T>(name: string, section: StepResult['section'], took: { readonly startedAt: number; readonly ms: number }, fn: () => Promise<T>): Promise<T> {
    return this.#record(name, section, took, fn);
  }

  async #record<T>(name: string, section: StepResult['section'], took: { readonly startedAt: number; readonly ms: number } | null, fn: () => Promise<T>): Promise<T> {
    const start = took?.startedAt ?? Date.now();
    const ms = (): number => took?.ms ?? Date.now() - start;
    this.events.phase?.(name, 'start');
    try {
      const out = await fn();
      this.step({ step: name, section, status: 'ok', startMs: start - this.t0, ms: ms() });
      this.events.phase?.(name, 'done');
      return out;
    } catch (e) {
      const status = e instanceof MigrateError && e.code === 'E_CUTOVER' ? 'rolled-back' : 'failed';
      this.step({ step: name, section, status, startMs: start - this.t0, ms: ms(), error: (e as Error).message });
      this.events.phase?.(name, 'failed', (e as Error).message);
      throw e;
    }
  }
}
