/**
 * The only place that writes to the terminal. Every line goes through redaction of the
 * target's secrets. Non-TTY (or CI) output is plain timestamped lines; NO_COLOR is respected.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { redactText } from '../load/target.js';

export interface OutputOptions {
  readonly quiet: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
}

export class Output {
  readonly #secrets: string[] = [];
  readonly tty: boolean;
  readonly color: ChalkInstance;
  readonly options: OutputOptions;

  constructor(options: OutputOptions, env: NodeJS.ProcessEnv = process.env) {
    this.options = options;
    this.tty = Boolean(process.stderr.isTTY) && !env['CI'];
    const level = env['NO_COLOR'] !== undefined || !this.tty ? 0 : 1;
    this.color = new Chalk({ level: level as 0 | 1 | 2 | 3 });
  }

  addSecrets(secrets: readonly string[]): void {
    this.#secrets.push(...secrets);
  }

  redact(text: string): string {
    return redactText(text, this.#secrets);
  }

  /** Progress and diagnostics: stderr. */
  info(line: string): void {
    if (this.options.quiet) return;
    process.stderr.write(this.redact(this.tty ? line : `${new Date().toISOString()} ${line}`) + '\n');
  }

  warn(line: string): void {
    process.stderr.write(this.redact(`${this.tty ? '' : new Date().toISOString() + ' '}${this.color.yellow('warning:')} ${line}`) + '\n');
  }

  verbose(line: string): void {
    if (this.options.verbose) process.stderr.write(this.redact(`${this.tty ? '' : new Date().toISOString() + ' '}${this.color.dim(line)}`) + '\n');
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

  json(value: unknown): void {
    process.stdout.write(this.redact(JSON.stringify(value, null, 2)) + '\n');
  }
}
