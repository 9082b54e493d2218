import { exponentialBackoff } from './backoff';
import { isPermanent } from '@app/handlers';

export interface RetryPolicy {
  initialDelayMs: number;
  capMs?: number;
}

export interface AttemptFacts {
  retryCount: number;
  maxRetries: number;
}

export interface RetryDecision {
  errorMessage: string;
  /** null: the job has failed for good. */
  nextRetryAt: Date | null;
}

/** What a failed attempt leads to. Pure: the clock and randomness come in as arguments. */
export function decideRetry(
  job: AttemptFacts,
  error: unknown,
  policy: RetryPolicy,
  now: Date,
  random: () => number = Math.random,
): RetryDecision {
  const errorMessage = describeError(error);
  if (isPermanent(error) || job.retryCount >= job.maxRetries)
    return { errorMessage, nextRetryAt: null };
  const delay = exponentialBackoff(job.retryCount, policy.initialDelayMs, {
    capMs: policy.capMs,
    random,
  });
  return { errorMessage, nextRetryAt: new Date(now.getTime() + delay) };
}

export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return message.length > 4000 ? `${message.slice(0, 4000)}…` : message;
}
