import { exponentialBackoff } from './backoff';
import { errorDetail, isPermanent, ownerErrorMessage } from '@app/handlers';

export interface RetryPolicy {
  initialDelayMs: number;
  capMs?: number;
}

export interface AttemptFacts {
  retryCount: number;
  maxRetries: number;
}

export interface RetryDecision {
  /** What the job's owner reads (error_message): AWS text reduced, ARNs masked (ownerErrorMessage). */
  errorMessage: string;
  /** The whole error with its causes, for the worker's log only. */
  detail: string;
  /**
   * How long after the failure the retry is due, in ms; null: the job has failed for good. A
   * delay, not a time: the database adds it to its own now(), so a worker whose clock is off
   * cannot move a retry.
   */
  retryDelayMs: number | null;
}

/** What a failed attempt leads to. Pure: randomness comes in as an argument. */
export function decideRetry(
  job: AttemptFacts,
  error: unknown,
  policy: RetryPolicy,
  random: () => number = Math.random,
): RetryDecision {
  const errorMessage = clip(ownerErrorMessage(error));
  const detail = clip(errorDetail(error));
  if (isPermanent(error) || job.retryCount >= job.maxRetries)
    return { errorMessage, detail, retryDelayMs: null };
  const retryDelayMs = exponentialBackoff(job.retryCount, policy.initialDelayMs, {
    capMs: policy.capMs,
    random,
  });
  return { errorMessage, detail, retryDelayMs };
}

export function describeError(error: unknown): string {
  return clip(error instanceof Error ? error.message || error.name : String(error));
}

const clip = (message: string): string =>
  message.length > 4000 ? `${message.slice(0, 4000)}…` : message;
