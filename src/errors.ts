/**
 * The closed error hierarchy. Every error a user can cause maps to one exit code;
 * anything else is internal (exit 1, stack trace, "please report").
 * Only src/cli/ turns these into output and exit codes.
 */

/** Exit codes, documented in the README and in `--help`. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  source: 4,
  load: 5,
  verify: 6,
  rollback: 7,
  quarantined: 8,
  /** The cutover IS done (the live schema changed), but the report could not be written. */
  reportFailed: 9,
  /** Fallback refused before writing: a value written in PostgreSQL cannot go back into SQLite exactly. */
  fallbackLossy: 10,
  /** Online mode: change capture in the source is broken or the source schema changed; cutover refused. */
  capture: 11,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface MigrateErrorOptions {
  cause?: unknown;
  /** What the user should do about it, one sentence. */
  hint?: string;
  /** Every problem found, for errors that report all problems at once. */
  problems?: readonly string[];
}

export class MigrateError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  readonly problems: readonly string[];

  constructor(code: string, exitCode: ExitCodeValue, message: string, options: MigrateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.problems = options.problems ?? [];
  }
}

export class UsageError extends MigrateError {
  constructor(message: string, options?: MigrateErrorOptions) {
    super('E_USAGE', ExitCode.usage, message, options);
  }
}

export class ConfigError extends MigrateError {
  constructor(message: string, options?: MigrateErrorOptions) {
    super('E_CONFIG', ExitCode.config, message, options);
  }
}

export class SourceError extends MigrateError {
  constructor(code: string, message: string, options?: MigrateErrorOptions) {
    super(code, ExitCode.source, message, options);
  }
}

/** Target unreachable, bad credentials, DDL or COPY failure: the live schema is unchanged. */
export class LoadError extends MigrateError {
  constructor(code: string, message: string, options?: MigrateErrorOptions) {
    super(code, ExitCode.load, message, options);
  }
}

export class VerifyError extends MigrateError {
  constructor(message: string, options?: MigrateErrorOptions) {
    super('E_VERIFY_MISMATCH', ExitCode.verify, message, options);
  }
}

export class RollbackError extends MigrateError {
  constructor(code: string, message: string, options?: MigrateErrorOptions) {
    super(code, ExitCode.rollback, message, options);
  }
}

export function isMigrateError(e: unknown): e is MigrateError {
  return e instanceof MigrateError;
}
