import type { S3Client } from '@aws-sdk/client-s3';
import type { StorageRef, StorageScopeSettings } from './s3/storage-scope';

export type HandlerLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * SQL access a handler may use, the same in the worker (TypeORM's pool) and in a Lambda
 * function (a pg Pool): parameterised text in, rows out. `transaction` runs `fn` on one
 * connection inside BEGIN/COMMIT (ROLLBACK when it throws).
 */
export interface SqlClient {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/** A child job a handler asks to create (bulk-import). */
export interface ChildJobInput {
  jobType: string;
  payload: Record<string, unknown>;
  /** Makes the creation idempotent across retries of the parent: same key, same child. */
  idempotencyKey: string;
}

/**
 * How a handler creates jobs: validated against the registered job types and written with
 * their outbox rows in one transaction, so each child is announced exactly when it exists.
 */
export interface JobSink {
  /**
   * Why `payload` is not a valid job of `jobType` for `owner` (unknown type, failed validation,
   * an S3 place outside the owner's space), or null.
   */
  validate(owner: string, jobType: string, payload: unknown): string | null;
  /** Creates the children of `parent` (skipping keys already used); returns how many were new. */
  createChildren(
    parent: { id: string; userId: string },
    children: readonly ChildJobInput[],
  ): Promise<number>;
}

/** Settings handlers read, from configuration (S3_*, MEDIA_*, BULK_IMPORT_* and CLEANUP_* variables). */
export interface HandlerSettings {
  /** Where users' objects may be (MEDIA_BUCKET, STORAGE_USER_PREFIX). */
  storage: StorageScopeSettings;
  /** Job types a bulk import may create (BULK_IMPORT_CHILD_TYPES), never bulk-import or cleanup-jobs. */
  importChildTypes: readonly string[];
  /** Children one bulk import may create at most (BULK_IMPORT_MAX_CHILDREN). */
  importMaxChildren: number;
  /** Largest source video thumbnail-generation downloads, in bytes (THUMBNAIL_MAX_SOURCE_BYTES). */
  thumbnailMaxSourceBytes: number;
  /** Bucket exports are written to. */
  exportBucket: string;
  /** Lifetime of an export's presigned download URL, in seconds. */
  exportUrlTtlSeconds: number;
  /** How long finished jobs are kept, per status, in ms (cleanup-jobs). */
  retentionMs: { completed: number; failed: number; cancelled: number };
  /** Rows deleted per statement by cleanup-jobs (short locks). */
  cleanupBatchSize: number;
}

/** What the environment lends a handler: the same shape in the worker and in a Lambda function. */
export interface HandlerServices {
  s3: S3Client;
  sql: SqlClient;
  jobs: JobSink;
  settings: HandlerSettings;
}

/** What a job's code learns about the attempt it runs. */
export interface JobContext {
  readonly jobId: string;
  readonly jobType: string;
  readonly userId: string;
  /** 1 for the first run; each retry or re-run adds one. */
  readonly attempt: number;
  /**
   * Fires when the job is cancelled, the worker shuts down, the attempt times out or was taken
   * over (it stalled); `signal.reason` says which. Pass it to streams and SDK calls, or check it
   * between steps.
   */
  readonly signal: AbortSignal;
  /** Percent done (0-100), shown by GET /jobs/:id and used for its ETA. */
  progress(percent: number): void;
  /** A line of the job's log (GET /jobs/:id/logs), written in batches. */
  log(level: HandlerLogLevel, message: string): void;
}

/**
 * Everything a handler function gets besides its payload. Handlers are plain async functions
 * `(payload, context) => result` with no framework imports, so the worker and a Lambda function
 * run exactly the same code.
 */
export interface HandlerContext extends JobContext {
  readonly services: HandlerServices;
}

/** A job type's code, independent of where it runs. Throw PermanentJobError when retrying cannot help. */
export type JobFunction<P, R> = (payload: P, context: HandlerContext) => Promise<R>;

/**
 * A job type: wire name, payload class, code and limits. The only way to define one; list it in
 * JOB_CATALOGUE (catalogue.ts) and every part of the service knows it.
 */
export interface HandlerDefinition<P extends object = object, R = unknown> {
  /** Stable wire name stored in jobs.job_type (lowercase letters, digits and dashes), never a class name. */
  type: string;
  /** One sentence for people choosing a type (GET /api/v1/job-types, the dashboard's picker). */
  description?: string;
  /** class-validator class the payload must satisfy (checked when the job is created). */
  payload: new () => P;
  run: JobFunction<P, R>;
  /** Time limit in ms: the worker fails the attempt (retryably) after it. Default WORKER_DEFAULT_TIMEOUT_MS. */
  timeoutMs?: number;
  /** At most this many jobs of this type at once per worker (WORKER_TYPE_CONCURRENCY wins). Default: no limit of its own. */
  concurrency?: number;
  /**
   * The payload field that makes a job act beyond its owner's own jobs (cleanup-jobs'
   * `allUsers`), or null. Only an admin may submit or retry such a job: the api refuses others
   * with 403 naming the field. Decided on the payload as sent; a type that never does leaves this out.
   */
  adminOnly?: (payload: Readonly<Record<string, unknown>>) => string | null;
  /**
   * The S3 places a (validated) payload names. Each must lie in the owner's space: checked at
   * submission (400 naming the field) and by the handler itself (`requireOwned`) before it
   * touches S3. A type whose payload names no S3 place leaves this out.
   */
  storage?: (payload: P) => readonly StorageRef[];
}

/** A definition of any job type: each has its own payload and result type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHandlerDefinition = HandlerDefinition<any, unknown>;
