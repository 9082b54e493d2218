import { Transform } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { parseInteger } from '../env-validation';

const TYPE_LIMITS =
  /^(\s*[a-z0-9][a-z0-9-]*\s*=\s*\d+\s*)(,\s*[a-z0-9][a-z0-9-]*\s*=\s*\d+\s*)*$|^$/;

export class WorkerEnv {
  /** Jobs one worker process runs at once, all types together. */
  @Transform(parseInteger)
  @Min(1)
  @Max(1000)
  @IsInt()
  WORKER_CONCURRENCY = 50;

  /**
   * SQS receive loops per worker process. Each long-polls for up to 10 messages and hands them
   * over; one loop bounds intake by its round trip, so a second one overlaps them.
   */
  @Transform(parseInteger)
  @Min(1)
  @Max(8)
  @IsInt()
  WORKER_RECEIVERS = 2;

  /** Per-type limits within WORKER_CONCURRENCY, e.g. `thumbnail-generation=2,export=1`. */
  @Matches(TYPE_LIMITS, { message: 'WORKER_TYPE_CONCURRENCY must look like type=n,type=n' })
  @IsString()
  WORKER_TYPE_CONCURRENCY = '';

  /** How often a worker refreshes heartbeat_at (and progress) of the jobs it holds, in ms. */
  @Transform(parseInteger)
  @Min(100)
  @Max(60_000)
  @IsInt()
  WORKER_HEARTBEAT_MS = 5000;

  /** On SIGTERM, how long running handlers may take to finish before they are aborted, in ms. */
  @Transform(parseInteger)
  @Min(0)
  @Max(900_000)
  @IsInt()
  WORKER_SHUTDOWN_GRACE_MS = 30_000;

  /**
   * Longest a handler may run when its type sets no timeoutMs, in ms (default 15 minutes,
   * Lambda's own limit). Every attempt has a bound, so a hung handler cannot hold a slot forever.
   */
  @Transform(parseInteger)
  @Min(1000)
  @Max(86_400_000)
  @IsInt()
  WORKER_DEFAULT_TIMEOUT_MS = 900_000;

  /**
   * After a handler's signal fired (timeout), how long it may take to stop before the attempt
   * is recorded as failed anyway, in ms. Its slot stays taken until it really settles, so
   * concurrency never overshoots; such runaway handlers are counted on /health.
   */
  @Transform(parseInteger)
  @Min(0)
  @Max(3_600_000)
  @IsInt()
  WORKER_ABORT_GRACE_MS = 30_000;

  /** Largest job result stored, in bytes of JSON; a bigger one fails its job for good. */
  @Transform(parseInteger)
  @Min(1024)
  @Max(256 * 1024 * 1024)
  @IsInt()
  WORKER_MAX_RESULT_BYTES = 1_048_576;

  /** A processing job whose heartbeat is older than this is stalled (its worker died), in ms. */
  @Transform(parseInteger)
  @Min(1000)
  @Max(3_600_000)
  @IsInt()
  RECOVERY_STALL_AFTER_MS = 20_000;

  /**
   * A pending job whose last message was sent longer ago than this gets a new one, in ms: the
   * safety net for a message SQS lost (retention expired, redriven to the DLQ, received by a
   * connection that died). Keep it above the queue's VisibilityTimeout.
   */
  @Transform(parseInteger)
  @Min(10_000)
  @Max(7 * 86_400_000)
  @IsInt()
  RECOVERY_RESEND_AFTER_MS = 600_000;
}

export interface WorkerConfig {
  concurrency: number;
  receivers: number;
  typeConcurrency: Readonly<Record<string, number>>;
  heartbeatMs: number;
  shutdownGraceMs: number;
  defaultTimeoutMs: number;
  abortGraceMs: number;
  maxResultBytes: number;
  stallAfterMs: number;
  resendAfterMs: number;
}

export const toWorkerConfig = (env: WorkerEnv): WorkerConfig => ({
  concurrency: env.WORKER_CONCURRENCY,
  receivers: env.WORKER_RECEIVERS,
  typeConcurrency: Object.fromEntries(
    env.WORKER_TYPE_CONCURRENCY.split(',')
      .filter((pair) => pair.trim() !== '')
      .map((pair) => pair.split('=').map((part) => part.trim()))
      .map(([type, limit]) => [type, Number(limit)]),
  ),
  heartbeatMs: env.WORKER_HEARTBEAT_MS,
  shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS,
  defaultTimeoutMs: env.WORKER_DEFAULT_TIMEOUT_MS,
  abortGraceMs: env.WORKER_ABORT_GRACE_MS,
  maxResultBytes: env.WORKER_MAX_RESULT_BYTES,
  stallAfterMs: env.RECOVERY_STALL_AFTER_MS,
  resendAfterMs: env.RECOVERY_RESEND_AFTER_MS,
});

/** Cross-variable rule: a live worker must never look stalled between two heartbeats. */
export function workerProblems(env: WorkerEnv): string[] {
  return env.RECOVERY_STALL_AFTER_MS <= 2 * env.WORKER_HEARTBEAT_MS
    ? [
        `RECOVERY_STALL_AFTER_MS must exceed 2 × WORKER_HEARTBEAT_MS (got ${env.RECOVERY_STALL_AFTER_MS} and ${env.WORKER_HEARTBEAT_MS})`,
      ]
    : [];
}
