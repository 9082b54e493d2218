import type { JobLogLevel } from '@app/database';

/** What a handler gets besides its payload. */
export interface JobContext {
  readonly jobId: string;
  readonly jobType: string;
  readonly userId: string;
  /** 1 for the first run; each retry or re-run adds one. */
  readonly attempt: number;
  /**
   * Fires when the job is cancelled, the worker shuts down, or the attempt was taken over
   * (it stalled). `signal.reason` says which. Pass it to fetch/streams, or check it between steps.
   */
  readonly signal: AbortSignal;
  /** Percent done (0-100), shown by GET /jobs/:id and used for its ETA; written with the heartbeat. */
  progress(percent: number): void;
  /** A line of the job's log (GET /jobs/:id/logs); buffered and written in batches. */
  log(level: JobLogLevel, message: string): void;
}

/**
 * A job type's code. Throw to fail the attempt (retried with backoff); throw PermanentJobError
 * when retrying cannot help. The returned value is stored as the job's `results` (JSON).
 */
export interface JobHandlerInstance<P = unknown, R = unknown> {
  handle(payload: P, context: JobContext): Promise<R>;
}

export interface JobHandlerOptions {
  /** class-validator class the payload must satisfy; checked when the job is created. */
  payload: new () => object;
  /** At most this many jobs of this type at once per worker (WORKER_TYPE_CONCURRENCY wins). */
  concurrency?: number;
  /** The attempt fails (retryably) when the handler runs longer than this, in ms. */
  timeoutMs?: number;
}

/** Why a handler's signal fired. */
export type AbortReason = 'cancelled' | 'shutdown' | 'lost' | 'timeout';
