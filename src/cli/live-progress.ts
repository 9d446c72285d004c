/**
 * The live task list on an interactive terminal, drawn by listr2 from the RunEvents of a run
 * that is already under way.
 *
 * The adapter: each phase becomes a one-task Listr, started when the phase starts and settled by
 * the phase's end event (done, failed, skipped; a failure whose step was undone shows as rolled
 * back). A Listr per phase rather than one list for the run, because the run decides its phases
 * as it goes (no snapshot with --no-snapshot, cutover or dropping the staging schema, ...) and a
 * Listr's task list is fixed once it runs. The tables of the load and the steps of the post-load
 * are lines of their phase's title (listr2 keeps a title's colours and indents its lines under the
 * first one; task output would lose both), refreshed at most 10 times a second from counters the
 * events only increment, so the display costs the load nothing measurable.
 *
 * Everything goes to stderr; lines the CLI prints meanwhile (warnings, SIGINT) become notes of the
 * running phase, or are written between two phases, never over the display.
 */
import { Listr, ListrDefaultRendererLogLevels as Level, ListrLogger, ProcessOutput, Spinner, figures, isUnicodeSupported, type ListrTaskWrapper } from 'listr2';
import type { StepResult } from '../model/run-result.js';
import { formatInt, formatMs, plural } from '../report/format.js';
import type { RunEvents } from '../run/step-log.js';
import type { LineSink, Output } from './output.js';
import { firstLine, progressBar, rowsDone, rowsPerSecond, rowsProgress } from './progress-text.js';

/** Redraws per second at most: the spinner's own rate, and plenty for counters. */
const REFRESH_MS = 100;
/** Finished tables listed while the load runs (all of them once it is over). */
const DONE_TABLES_SHOWN = 6;
/** Longest table name before it is cut, so the counters stay in one column. */
const NAME_WIDTH = 28;
const BAR_WIDTH = 16;

type PhaseEnd = { readonly kind: 'done' } | { readonly kind: 'skipped'; readonly detail: string } | { readonly kind: 'failed'; readonly detail: string };

interface TableProgress {
  readonly name: string;
  readonly total: number;
  readonly startedAt: number;
  done: number;
  result: { readonly rows: number; readonly ms: number; readonly quarantined: number } | null;
}

class Phase {
  readonly name: string;
  readonly startedAt: number;
  readonly tables = new Map<string, TableProgress>();
  /** Notes that stay under the phase: failed or undone steps, warnings, interruptions. */
  readonly notes: string[] = [];
  stepsDone = 0;
  lastStep: string | null = null;
  checked = 0;
  mismatched = 0;
  end: PhaseEnd | null = null;
  endedAt: number | null = null;
  rolledBack = false;
  task: ListrTaskWrapper<unknown, never, never> | null = null;
  /** The renderer's logger, whose pending icon is the spinner frame. */
  logger: ListrLogger<Level> | null = null;
  readonly ended: Promise<PhaseEnd>;
  #settle!: (end: PhaseEnd) => void;

  constructor(name: string, now: number) {
    this.name = name;
    this.startedAt = now;
    this.ended = new Promise((resolve) => (this.#settle = resolve));
  }

  settle(end: PhaseEnd, now: number): void {
    if (this.end !== null) return;
    this.end = end;
    this.endedAt = now;
    this.#settle(end);
  }
}

export class LiveProgress implements LineSink {
  readonly events: RunEvents;
  readonly #out: Output;
  readonly #now: () => number;
  readonly #unicode = isUnicodeSupported();
  readonly #spinner = new Spinner();
  #phase: Phase | null = null;
  /** Listr runs and the lines between them, strictly one after the other. */
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #lastDraw = 0;

  constructor(out: Output, now: () => number = Date.now) {
    this.#out = out;
    this.#now = now;
    this.events = {
      phase: (name, status, detail) => this.#onPhase(name, status, detail),
      tableStart: (table, total) => {
        const p = this.#ensurePhase('load data');
        p.tables.set(table, { name: table, total, startedAt: this.#now(), done: 0, result: null });
      },
      tableRows: (table, rows) => {
        // Hot path, once per ~64 KiB batch: an addition and a clock read; a redraw 10 times a second.
        const t = this.#phase?.tables.get(table);
        if (t) t.done += rows;
        this.#tick();
      },
      tableDone: (l) => {
        const t = this.#phase?.tables.get(l.table.source);
        if (t) t.result = { rows: l.rowsLoaded, ms: l.ms, quarantined: l.rowsQuarantined };
        this.#tick();
      },
      step: (s) => {
        this.#onStep(s);
        this.#tick();
      },
      warn: (m) => out.warn(m),
      sql: (s) => out.verbose(s),
    };
  }

  /** Take over stderr until finish(). */
  start(): void {
    this.#out.setLive(this);
    this.#timer = setInterval(() => this.#tick(), REFRESH_MS);
    this.#timer.unref();
  }

  /**
   * End the display: a phase still running ends as failed with `error` (the run threw from inside
   * it) or as interrupted. Resolves once the last frame is on the terminal and stderr is free.
   */
  async finish(error?: unknown): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const p = this.#phase;
    if (p) {
      const detail = error instanceof Error ? error.message : error === undefined ? 'did not finish' : String(error);
      p.settle({ kind: 'failed', detail }, this.#now());
      this.#phase = null;
    }
    await this.#chain;
    this.#out.setLive(null);
  }

  /** A line printed while the display runs: a note of the running phase, or written between phases. */
  log(line: string): void {
    const p = this.#phase;
    if (p) {
      p.notes.push(line);
      return;
    }
    this.#chain = this.#chain.then(() => {
      process.stderr.write(`${line}\n`);
    });
  }

  #onPhase(name: string, status: 'start' | 'done' | 'failed' | 'skipped', detail?: string): void {
    const now = this.#now();
    if (status === 'start') {
      // A phase that never said it ended is over when the next one starts.
      if (this.#phase && this.#phase.name !== name) this.#endPhase({ kind: 'done' });
      if (!this.#phase) this.#startPhase(name);
      return;
    }
    const p = this.#phase?.name === name ? this.#phase : null;
    const end: PhaseEnd = status === 'done' ? { kind: 'done' } : status === 'skipped' ? { kind: 'skipped', detail: detail ?? '' } : { kind: 'failed', detail: detail ?? '' };
    if (p) {
      this.#endPhase(end);
      return;
    }
    // The end of a phase that was never started (or already ended): show it on its own, after
    // the running one (if any), which stays the running one.
    const current = this.#phase;
    const lone = this.#startPhase(name);
    lone.settle(end, now);
    this.#phase = current;
  }

  #startPhase(name: string): Phase {
    const p = new Phase(name, this.#now());
    this.#phase = p;
    this.#chain = this.#chain.then(() => this.#run(p));
    return p;
  }

  #ensurePhase(name: string): Phase {
    return this.#phase ?? this.#startPhase(name);
  }

  #endPhase(end: PhaseEnd): void {
    const p = this.#phase;
    if (!p) return;
    this.#phase = null;
    p.settle(end, this.#now());
  }

  #onStep(s: StepResult): void {
    const p = this.#phase;
    const label = `${s.step}${s.table ? ` on ${s.table}` : ''}`;
    // The step of a whole phase: the phase line says it all, unless it was undone.
    if (p && s.step === p.name && s.table === undefined) {
      if (s.status === 'rolled-back') p.rolledBack = true;
      return;
    }
    const c = this.#out.color;
    let note: string | null = null;
    if (s.status === 'failed') note = c.red(`${figures.cross} ${s.section === 'verify' && s.step === 'checksum' ? `${s.table ?? ''}: checksum mismatch` : `${label}: ${firstLine(s.error ?? 'failed')}`}`);
    else if (s.status === 'rolled-back') note = c.yellow(`${figures.arrowLeft} ${label}: rolled back${s.error ? ` (${firstLine(s.error)})` : ''}`);
    else if (s.status === 'failed-to-rollback') note = c.red(`${figures.cross} ${label}: could not be rolled back${s.error ? `: ${firstLine(s.error)}` : ''}`);
    if (!p) {
      if (note) this.log(note);
      return;
    }
    if (note) p.notes.push(note);
    if (s.status === 'rolled-back') p.rolledBack = true;
    if (s.section === 'verify' && s.table !== undefined) {
      p.checked += 1;
      if (s.status === 'failed') p.mismatched += 1;
    } else if (s.section !== 'data') {
      p.stepsDone += 1;
      p.lastStep = label;
    }
  }

  /**
   * A frame, at most every REFRESH_MS, from the events as well as from the timer: while a lane
   * streams a chunk that the socket keeps accepting, the loader runs on promise callbacks alone
   * and the event loop reaches its timers only between chunks (seconds apart, measured), so a
   * timer alone would freeze the display. A TTY write is synchronous, so drawing from the event
   * handler shows at once.
   */
  #tick(): void {
    const now = this.#now();
    if (now - this.#lastDraw < REFRESH_MS) return;
    this.#lastDraw = now;
    this.#refresh();
  }

  /**
   * One frame: the renderer runs lazily (no timer of its own), so this is the only thing that
   * redraws: the spinner advances and the title is set.
   */
  #refresh(): void {
    const p = this.#phase;
    if (!p?.task) return;
    this.#spinner.spin();
    if (p.logger?.options?.icon) p.logger.options.icon[Level.PENDING] = this.#spinner.fetch();
    p.task.title = this.#title(p);
  }

  /** One phase, one Listr: resolves when its last frame is drawn. */
  async #run(p: Phase): Promise<void> {
    const logger = new ListrLogger<Level>({ useIcons: true, processOutput: new ProcessOutput(process.stderr, process.stdout) });
    p.logger = logger;
    const list = new Listr(
      [
        {
          title: this.#title(p),
          task: async (_ctx, task): Promise<void> => {
            p.task = task as unknown as ListrTaskWrapper<unknown, never, never>;
            let end = await p.ended;
            // Verification that found differences ends "done" for the run, but it is a failure to show.
            if (end.kind === 'done' && p.mismatched > 0) {
              end = { kind: 'failed', detail: `${plural(p.mismatched, 'table')} ${p.mismatched === 1 ? 'differs' : 'differ'} between SQLite and PostgreSQL` };
              p.end = end;
            }
            const title = this.#title(p);
            if (end.kind === 'skipped') {
              task.skip(title);
              return;
            }
            task.title = title;
            if (end.kind === 'failed') throw new Error(title);
          },
          // listr2 calls this for a failed task: a phase whose work was undone shows as rolled back.
          rollback: async (_ctx, task): Promise<void> => {
            if (!p.rolledBack) throw new Error(this.#title(p));
            task.title = this.#title(p);
          },
        },
      ],
      {
        renderer: 'default',
        // Our own SIGINT handling (abort after the current batch) must stay in charge.
        registerSignalListeners: false,
        collectErrors: false,
        exitOnError: true,
        rendererOptions: {
          logger,
          formatOutput: 'truncate',
          // Drawn by our timer only (see #refresh): its own spinner timer would double the redraws.
          lazy: true,
          collapseErrors: true,
          showErrorMessage: true,
          collapseSkips: true,
          showSkipMessage: true,
          icon: this.#icons(),
          color: this.#colors(),
        },
      },
    );
    await list.run().catch(() => undefined);
  }

  #icons(): Partial<Record<Level, string>> {
    return { [Level.PENDING]: this.#spinner.fetch(), [Level.ROLLED_BACK]: figures.arrowLeft, [Level.SKIPPED_WITH_COLLAPSE]: figures.arrowDown };
  }

  /** listr2's icon colours through our chalk, so NO_COLOR and a plain terminal turn them off. */
  #colors(): Partial<Record<Level, (s?: string) => string>> {
    const c = this.#out.color;
    const f = (style: (s: string) => string) => (s?: string): string => style(s ?? '');
    return {
      [Level.PENDING]: f(c.yellow),
      [Level.COMPLETED]: f(c.green),
      [Level.FAILED]: f(c.red),
      [Level.SKIPPED_WITH_COLLAPSE]: f(c.yellow),
      [Level.ROLLING_BACK]: f(c.yellow),
      [Level.ROLLED_BACK]: f(c.yellow),
      [Level.WAITING]: f(c.dim),
    };
  }

  /** The phase as lines: a head, then its tables, steps and notes (listr2 indents them under the head). */
  #title(p: Phase): string {
    const c = this.#out.color;
    const now = p.endedAt ?? this.#now();
    const elapsed = now - p.startedAt;
    const lines: string[] = [];
    const tables = [...p.tables.values()];
    let head = p.name;
    const facts: string[] = [];
    if (tables.length > 0) {
      const rows = tables.reduce((n, t) => n + (t.result?.rows ?? t.done), 0);
      const finished = tables.filter((t) => t.result !== null).length;
      const rate = `${formatInt(rowsPerSecond(rows, elapsed))} rows/s`;
      if (p.end === null) facts.push(`${formatInt(tables.length - finished)} running, ${formatInt(finished)} done`, plural(rows, 'row'), rate);
      else if (finished === tables.length) facts.push(`${plural(finished, 'table')}, ${plural(rows, 'row')} in ${formatMs(elapsed)}`, rate);
      else facts.push(`${formatInt(finished)} of ${plural(tables.length, 'table')} done, ${plural(rows, 'row')} in ${formatMs(elapsed)}`);
    } else if (p.checked > 0) {
      facts.push(p.mismatched > 0 ? `${formatInt(p.mismatched)} of ${plural(p.checked, 'table')} differ` : `${formatInt(p.checked)} of ${plural(p.checked, 'table')} match`);
    } else if (p.stepsDone > 0) {
      facts.push(plural(p.stepsDone, 'step'));
    }
    if (tables.length === 0 && (p.end !== null || elapsed >= 1000)) facts.push(formatMs(elapsed));
    if (p.end === null && p.lastStep !== null) facts.push(`last: ${p.lastStep}`);
    if (p.rolledBack && p.end?.kind === 'failed') facts.push('rolled back');
    if (facts.length > 0) head += c.dim(` · ${facts.join(' · ')}`);
    if (p.end?.kind === 'skipped' && p.end.detail) head += c.dim(` (${firstLine(p.end.detail)})`);
    lines.push(head);
    // Why it failed, on its own line: the head keeps its counters, the reason its full width.
    if (p.end?.kind === 'failed') {
      const why = firstLine(p.end.detail) || 'failed';
      lines.push(p.rolledBack ? c.yellow(why) : c.red(why));
    }
    lines.push(...this.#tableLines(p, tables, now));
    lines.push(...p.notes);
    return this.#out.redact(lines.join('\n'));
  }

  #tableLines(p: Phase, tables: readonly TableProgress[], now: number): string[] {
    if (tables.length === 0) return [];
    const c = this.#out.color;
    const width = Math.min(NAME_WIDTH, Math.max(...tables.map((t) => t.name.length)));
    const name = (t: TableProgress): string => (t.name.length > width ? `${t.name.slice(0, width - 1)}…` : t.name.padEnd(width));
    const done = tables.filter((t) => t.result !== null);
    const running = tables.filter((t) => t.result === null);
    const shownDone = p.end === null && done.length > DONE_TABLES_SHOWN ? done.slice(-DONE_TABLES_SHOWN) : done;
    const out: string[] = [];
    if (shownDone.length < done.length) out.push(c.dim(`${figures.tick} … ${formatInt(done.length - shownDone.length)} more tables done`));
    const countWidth = Math.max(0, ...shownDone.map((t) => formatInt(t.result!.rows).length));
    for (const t of shownDone) {
      const r = t.result!;
      const text = rowsDone(r.rows, r.ms, r.quarantined, countWidth);
      out.push(`${r.quarantined > 0 ? c.yellow(figures.warning) : c.green(figures.tick)} ${name(t)}  ${r.quarantined > 0 ? c.yellow(text) : c.dim(text)}`);
    }
    for (const t of running) {
      if (p.end === null) {
        out.push(`${c.yellow(figures.pointerSmall)} ${name(t)}  ${c.cyan(progressBar(t.done, t.total, BAR_WIDTH, this.#unicode))} ${rowsProgress(t.done, t.total, now - t.startedAt)}`);
      } else {
        out.push(`${c.red(figures.cross)} ${name(t)}  ${c.red(`stopped at ${formatInt(t.done)} of ${formatInt(t.total)} rows`)}`);
      }
    }
    return out;
  }
}
