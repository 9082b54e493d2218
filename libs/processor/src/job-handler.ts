import type { JobContext } from '@app/handlers';

/** What a handler gets besides its payload (defined with the handlers library, shared by both). */
export type { JobContext };

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

/**
 * Why a handler's signal fired: the job was cancelled; the worker is stopping; another attempt
 * owns the job now; the attempt ran past its timeout; or the worker could not reach PostgreSQL
 * for the stall limit and stopped its own handlers before others could take their jobs over.
 */
export type AbortReason = 'cancelled' | 'shutdown' | 'lost' | 'timeout' | 'fenced';
