/** Online mode: change capture in the source is broken, or the source schema changed (exit 11). */
import { ExitCode, MigrateError, type MigrateErrorOptions } from '../errors.js';

export class CaptureError extends MigrateError {
  constructor(code: string, message: string, options?: MigrateErrorOptions) {
    super(code, ExitCode.capture, message, options);
  }
}
