/**
 * The only place that writes to the terminal. Every line goes through redaction of the
 * target's secrets. Two styles:
 * - interactive (stderr is a TTY, no `CI`, `TERM` is not `dumb`): the live task list of
 *   live-progress.ts, colours unless `NO_COLOR` is set;
 * - plain (anything else): timestamped lines, no colours, no cursor movement, no spinners.
 * stdout carries only the result (or, with --json, the one JSON object); everything else is on stderr.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { redactText } from '../load/target.js';

export interface OutputOptions {
  readonly quiet: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
}

/** Where diagnostic lines go while a live display owns stderr (see live-progress.ts). */
export interface LineSink {
  log(line: string): void;
}

/** Whether stderr is a terminal a live display may redraw. https://no-color.org, https://bixense.com/clicolors */
export function isInteractive(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && !env['CI'] && env['TERM'] !== 'dumb';
}

export class Output {
  readonly #secrets: string[] = [];
  #live: LineSink | null = null;
  /** stderr is an interactive terminal (not CI, not piped): no timestamps, live display allowed. */
  readonly tty: boolean;
  readonly color: ChalkInstance;
  readonly options: OutputOptions;

  constructor(options: OutputOptions, env: NodeJS.ProcessEnv = process.env) {
    this.options = options;
    this.tty = isInteractive(process.stderr, env);
    // NO_COLOR: any value, even empty, turns colours off (https://no-color.org).
    const level = env['NO_COLOR'] !== undefined || !this.tty ? 0 : 1;
    this.color = new Chalk({ level: level as 0 | 1 | 2 | 3 });
  }

  addSecrets(secrets: readonly string[]): void {
    this.#secrets.push(...secrets);
  }

  redact(text: string): string {
    return redactText(text, this.#secrets);
  }

  /** While a live display runs, diagnostic lines are handed to it instead of being written over it. */
  setLive(sink: LineSink | null): void {
    this.#live = sink;
  }

  #line(text: string): void {
    const line = this.redact(this.tty ? text : `${new Date().toISOString()} ${text}`);
    if (this.#live) this.#live.log(line);
    else process.stderr.write(`${line}\n`);
  }

  /** Progress and diagnostics: stderr. */
  info(line: string): void {
    if (this.options.quiet) return;
    this.#line(line);
  }

  warn(line: string): void {
    this.#line(`${this.color.yellow('warning:')} ${line}`);
  }

  verbose(line: string): void {
    if (this.options.verbose) this.#line(this.color.dim(line));
  }

  /** Results a user asked for: stdout (stderr when --json owns stdout). */
  result(text: string): void {
    if (this.options.json) {
      process.stderr.write(this.redact(text) + '\n');
      return;
    }
    process.stdout.write(this.redact(text) + '\n');
  }

  error(text: string): void {
    process.stderr.write(this.redact(text) + '\n');
  }

  /** The one machine-readable object of a command, on stdout. */
  json(value: unknown): void {
    process.stdout.write(this.redact(JSON.stringify(value, null, 2)) + '\n');
  }
}
