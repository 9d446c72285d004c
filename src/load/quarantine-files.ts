/**
 * Quarantine files: `reports/<run>/quarantine/<table>.jsonl`, one JSON object per line
 * {table, key, column, value, reason, action}. Each COPY attempt writes its own part file,
 * truncated when the attempt is retried, so a retried batch never lists a row twice.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { LoadError } from '../errors.js';
import type { QuarantineEntry } from '../model/run-result.js';

/** A failed write of a quarantine file (a full disk, most often) as the load error it is: exit 5, naming the file. */
function quarantineWriteError(path: string, e: unknown): LoadError {
  const code = (e as NodeJS.ErrnoException).code;
  return new LoadError('E_QUARANTINE_WRITE', `Could not write the quarantine file ${path} (${code ?? (e as Error).message}${code === 'ENOSPC' ? ': no space left on the device' : ''}); the load stopped, as a row that cannot be recorded cannot be quarantined.`, {
    cause: e,
    hint: 'The live schema is unchanged. Free space in the reports directory (or pass --reports <dir> on a bigger disk), then continue with: sqlite2pg migrate <source> --resume.',
  });
}

/** Run a file-system write of the quarantine files, turning its failure into quarantineWriteError. */
function writing<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw quarantineWriteError(path, e);
  }
}

/** A file-system-safe name for a table: unsafe characters replaced, plus a hash when anything changed. */
export function safeFileStem(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 100);
  return safe === name ? safe : `${safe}-${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
}

export interface QuarantineRecord extends QuarantineEntry {
  /** `quarantined`: the row was not loaded; `nulled`: loaded with this value set to NULL by mapping. */
  readonly action: 'quarantined' | 'nulled';
}

export class QuarantinePart {
  readonly #path: string;
  #fd: number | null = null;
  #count = 0;
  #sample: QuarantineRecord[] = [];

  constructor(path: string) {
    this.#path = path;
  }

  /** Start (or restart) an attempt: drop whatever the previous attempt wrote. */
  reset(): void {
    this.close();
    if (existsSync(this.#path)) rmSync(this.#path);
    this.#count = 0;
    this.#sample = [];
  }

  /** The first few records of the current attempt, for the report. */
  get sample(): readonly QuarantineRecord[] {
    return this.#sample;
  }

  add(r: QuarantineRecord): void {
    writing(this.#path, () => {
      if (this.#fd === null) {
        mkdirSync(join(this.#path, '..'), { recursive: true });
        this.#fd = openSync(this.#path, 'w');
      }
      writeSync(this.#fd, JSON.stringify(r) + '\n');
    });
    this.#count++;
    if (this.#sample.length < 5) this.#sample.push(r);
  }

  get count(): number {
    return this.#count;
  }

  get path(): string {
    return this.#path;
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}

export class QuarantineDir {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  part(table: string, chunk: number): QuarantinePart {
    return new QuarantinePart(join(this.dir, '.parts', `${safeFileStem(table)}.${chunk}.jsonl`));
  }

  /** Join a table's part files (in chunk order) into `<table>.jsonl`; returns its path, or null when empty. */
  finishTable(table: string, parts: readonly { readonly path: string; readonly count: number; close(): void }[]): string | null {
    const withRows = parts.filter((p) => p.count > 0);
    for (const p of parts) p.close();
    if (withRows.length === 0) return null;
    const file = join(this.dir, `${safeFileStem(table)}.jsonl`);
    const out = writing(file, () => {
      mkdirSync(this.dir, { recursive: true });
      return openSync(file, 'a');
    });
    const buf = Buffer.alloc(1 << 20);
    try {
      for (const p of withRows) {
        // Copied in 1 MiB pieces: a part can be large when many rows fail.
        const src = openSync(p.path, 'r');
        try {
          for (let n = readSync(src, buf); n > 0; n = readSync(src, buf)) writing(file, () => writeSync(out, buf, 0, n));
        } finally {
          closeSync(src);
        }
        rmSync(p.path);
      }
    } finally {
      closeSync(out);
    }
    return file;
  }
}
