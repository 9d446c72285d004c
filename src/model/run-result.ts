/**
 * A run is data: every stage returns results into a RunResult, and report/ renders it purely.
 * The JSON report is this object; `version` changes when its shape does (documented in the README).
 */
import type { Untranslated } from './plan.js';

export const RUN_RESULT_VERSION = 3;

export type StepStatus = 'ok' | 'failed' | 'skipped' | 'rolled-back' | 'failed-to-rollback';
export type Section = 'pre' | 'data' | 'post' | 'verify' | 'cutover';

export interface StepResult {
  readonly step: string;
  readonly section: Section;
  readonly table?: string;
  readonly status: StepStatus;
  /** Milliseconds since the run started, and duration. */
  readonly startMs: number;
  readonly ms: number;
  readonly rows?: number;
  readonly bytes?: number;
  readonly error?: string;
}

export interface QuarantineEntry {
  readonly table: string;
  /** Key of the row: primary key values or rowid, as text. */
  readonly key: string;
  readonly column: string | null;
  /** The raw value, truncated for display. */
  readonly value: string;
  readonly reason: string;
}

export interface TableChecksum {
  readonly source: string;
  readonly target: string | null;
  readonly match: boolean | null;
}

export interface DifferingRow {
  readonly key: string;
  readonly kind: 'missing-in-target' | 'extra-in-target' | 'changed';
  readonly columns: readonly { readonly column: string; readonly source: string; readonly target: string }[];
}

export interface TableResult {
  readonly source: string;
  readonly target: string;
  readonly rowsRead: number;
  readonly rowsLoaded: number;
  readonly rowsQuarantined: number;
  readonly bytes: number;
  readonly ms: number;
  /** Row count in PostgreSQL after load, as counted by verification. */
  readonly targetRows: number | null;
  readonly checksum: TableChecksum | null;
  readonly differingRows: readonly DifferingRow[];
  readonly verifyMs: number | null;
  /** First few quarantined rows (all of them are in the quarantine file). */
  readonly quarantineSample: readonly QuarantineEntry[];
  readonly quarantineFile: string | null;
  /** No primary key (issue #12): verified by count and checksum only, its SQLite rowids not kept. */
  readonly keyless?: boolean;
}

export interface CastSample {
  readonly table: string;
  readonly column: string;
  readonly cast: string;
  readonly pgType: string;
  readonly before: string;
  readonly after: string;
}

export interface ObjectCounts {
  readonly tables: number;
  readonly primaryKeys: number;
  readonly uniqueIndexes: number;
  readonly indexes: number;
  readonly foreignKeys: number;
  readonly checks: number;
  readonly triggers: number;
  readonly identityResets: number;
  readonly views: number;
}

/** A live object of the same name as a migrated one, moved aside by the cutover. */
export interface SwapReplaced {
  readonly kind: 'table' | 'view' | 'materialized-view' | 'foreign-table' | 'function';
  readonly name: string;
}

/** An object outside the migration that depends on a live object the cutover moves aside. */
export interface SwapDependentResult {
  readonly kind: string;
  readonly object: string;
  readonly on: string;
  readonly action: string;
}

export interface ForeignKeyRepoint {
  readonly constraint: string;
  readonly references: string;
  readonly validated: boolean;
  readonly orphans: number;
  readonly validateCommand: string | null;
}

/** Who ran a command, and how: the change ticket's record, and what hints build their commands from. */
export interface Invocation {
  /** What the user typed to run the tool: `sqlite2pg`, or `npx sqlite2pg` in a checkout. */
  readonly command: string;
  /** The arguments after the command name, passwords redacted. */
  readonly argv: readonly string[];
  /** Flags that point a later command at the same target: `--target 'postgres://u:***@h/db'`, `--config f.json`, or '' when the environment or the embedded default names it. */
  readonly targetArgs: string;
  /** `--schema x` when it is not `public`, else ''. */
  readonly schemaArgs: string;
  /** OS user and host name. */
  readonly user: string;
  readonly host: string;
}

/** One mapping file the run read, and the sha256 of its bytes. */
export interface MappingFile {
  readonly file: string;
  readonly sha256: string;
}

/**
 * How long writes to the SQLite source had to be stopped: from the snapshot (or, without one, the
 * first read of the rows) to the cutover commit. What the approver schedules, not the swap's ms.
 */
export interface WriteFreeze {
  readonly startedAt: string;
  readonly endedAt: string;
  readonly ms: number;
  readonly from: 'snapshot' | 'first read';
  /** `cutover`: measured to the commit; `estimate`: a dry run's or a stopped run's wall clock, what a cutover would need. */
  readonly until: 'cutover' | 'estimate';
}

/** Changes an online run applied to one table since its snapshot (sync rounds and the window). */
export interface OnlineTableChanges {
  readonly table: string;
  /** Distinct changed keys replayed (a key changed in several rounds counts once per round). */
  readonly keys: number;
  readonly rowsUpserted: number;
  readonly rowsDeleted: number;
  readonly rowsQuarantined: number;
}

/** What the downtime of an online cutover was made of, ms each, in order. */
export interface OnlineWindow {
  /** Capture triggers present and schema unchanged, under SQLite's write lock. */
  readonly captureCheckMs: number;
  /** The last changes replayed (and identities moved past max(id)). */
  readonly lastChangesMs: number;
  /** Carried checksums, the staging counters, quarantine. */
  readonly proofMs: number;
  /** The swap transaction, committed (with its retries on a lock timeout). */
  readonly swapMs: number;
  /** app.db fenced and capture removed: after the swap committed, so outside the downtime. */
  readonly fenceMs: number | null;
}

/** The facts of an online run (`sync` then `cutover`); null for an offline run. */
export interface OnlineFacts {
  readonly captureInstalledAt: string;
  /** Changelog position of the snapshot: replay started after it. */
  readonly snapshotSeq: number;
  /** Changelog position applied when the report was written. */
  readonly appliedSeq: number;
  readonly changesApplied: number;
  readonly rounds: number;
  readonly tables: readonly OnlineTableChanges[];
  /** Changes replayed under SQLite's write lock. */
  readonly changesInWindow: number;
  /** SQLite write lock taken → swap committed; null when no swap happened. */
  readonly downtimeMs: number | null;
  /** null when the window was not reached. */
  readonly window: OnlineWindow | null;
  /** Tables the window had to read in full (their staging counter could not be trusted), with why. */
  readonly fullReads: readonly string[];
}

export type Outcome = 'passed' | 'passed-with-quarantine' | 'verify-mismatch' | 'failed';
export type Mode = 'cutover' | 'dry-run' | 'verify';

export interface RunResult {
  readonly version: typeof RUN_RESULT_VERSION;
  readonly runId: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly mode: Mode;
  readonly outcome: Outcome;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly ms: number;
  readonly source: {
    readonly path: string;
    readonly sizeBytes: number;
    readonly sha256: string | null;
    readonly snapshotPath: string | null;
  };
  readonly target: {
    /** Connection URL with the password replaced by `***`. */
    readonly url: string;
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly schema: string;
    readonly serverVersion: string | null;
    readonly embedded: boolean;
  };
  readonly tables: readonly TableResult[];
  readonly steps: readonly StepResult[];
  readonly objects: ObjectCounts;
  readonly casts: readonly CastSample[];
  readonly untranslated: readonly Untranslated[];
  readonly warnings: readonly string[];
  readonly quarantineDir: string | null;
  readonly cutover: {
    readonly performed: boolean;
    readonly ms: number | null;
    /** Schema holding the tables that were live before this run, if any. */
    readonly previousSchema: string | null;
    readonly rollbackCommand: string | null;
    readonly rollbackDescription: string | null;
    /** Live objects of the same names that the cutover moved aside (a dry run: would move). */
    readonly replaces?: readonly SwapReplaced[];
    /** Objects outside the migration depending on those, with what was done or is to do. */
    readonly dependents?: readonly SwapDependentResult[];
    /** Foreign keys of other tables re-pointed to the new tables (a dry run: orphans counted against the staging data). */
    readonly foreignKeys?: readonly ForeignKeyRepoint[];
  };
  readonly error: { readonly code: string; readonly message: string; readonly hint: string | null } | null;
  /** Who ran it, the exact command line (password redacted). Absent in reports of older versions. */
  readonly invocation?: Invocation;
  /** The mapping files read, with their sha256. */
  readonly mappingFiles?: readonly MappingFile[];
  readonly writeFreeze?: WriteFreeze | null;
  /** Online runs only (null offline); absent in reports of versions before 3. */
  readonly online?: OnlineFacts | null;
}
