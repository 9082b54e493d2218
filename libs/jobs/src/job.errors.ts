import type { JobStatus } from '@app/database';
import type { FieldProblem, InvalidJobPayload, UnknownJobType } from '@app/handlers';
import { DomainError } from './domain-error';

export class JobNotFoundError extends DomainError {
  readonly code = 'JOB_NOT_FOUND';
  constructor(jobId: string) {
    super(`Job ${jobId} does not exist`, { jobId });
  }
}

/** The job is not in a state from which the requested transition is allowed. */
export class IllegalTransitionError extends DomainError {
  readonly code = 'JOB_ILLEGAL_TRANSITION';
  constructor(jobId: string, from: JobStatus, to: JobStatus) {
    super(`Job ${jobId} cannot go from ${from} to ${to}`, { jobId, from, to });
  }
}

export class RetriesExhaustedError extends DomainError {
  readonly code = 'JOB_RETRIES_EXHAUSTED';
  constructor(jobId: string, retryCount: number, maxRetries: number) {
    super(`Job ${jobId} has used ${retryCount} of ${maxRetries} retries`, {
      jobId,
      retryCount,
      maxRetries,
    });
  }
}

/** A write quoted an attempt that is no longer the job's current one (a stale worker). */
export class StaleAttemptError extends DomainError {
  readonly code = 'JOB_STALE_ATTEMPT';
  constructor(jobId: string, attempt: number) {
    super(`Attempt ${attempt} of job ${jobId} is no longer current`, { jobId, attempt });
  }
}

/** An Idempotency-Key was sent again with a different request than the one that first used it. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor(key: string, jobId: string) {
    super(`Idempotency-Key "${key}" was already used for job ${jobId} with a different request`, {
      field: 'Idempotency-Key',
      jobId,
    });
  }
}

/** A job of a type the catalogue does not list. */
export class UnknownJobTypeError extends DomainError {
  readonly code = 'JOB_TYPE_UNKNOWN';
  constructor(refusal: UnknownJobType) {
    super(refusal.message, { field: 'jobType', jobType: refusal.jobType, known: refusal.known });
  }
}

/** A job type named in a path (pause, resume) that the catalogue does not list. */
export class JobTypeNotFoundError extends DomainError {
  readonly code = 'JOB_TYPE_NOT_FOUND';
  constructor(jobType: string) {
    super(`Job type "${jobType}" does not exist`, { field: 'type', jobType });
  }
}

/** A job whose payload fails its type's class; `problems` names every bad field. */
export class InvalidPayloadError extends DomainError {
  readonly code = 'JOB_PAYLOAD_INVALID';
  readonly problems: readonly FieldProblem[];
  constructor(refusal: InvalidJobPayload) {
    super(refusal.message, { jobType: refusal.jobType, problems: refusal.problems });
    this.problems = refusal.problems;
  }
}

/** The user already has as many unfinished jobs as QUOTA_UNFINISHED_JOBS allows. */
export class QuotaExceededError extends DomainError {
  readonly code = 'QUOTA_EXCEEDED';
  constructor(limit: number, unfinished: number, adding: number) {
    super(
      `Quota exceeded: at most ${limit} unfinished jobs (pending, processing or awaiting a retry) per user (QUOTA_UNFINISHED_JOBS); you have ${unfinished} and this request adds ${adding}`,
      { limit, unfinished, adding },
    );
  }
}

/** A `dependsOn` entry names no job the caller may use: unknown, or another user's. */
export class DependencyNotFoundError extends DomainError {
  readonly code = 'JOB_DEPENDENCY_NOT_FOUND';
  constructor(field: string, jobId: string) {
    super(`${field}: job ${jobId} does not exist`, { field, jobId });
  }
}

/**
 * A `dependsOn` entry names a job that already ended without completing (failed for good, or
 * cancelled, expired included): the new job could never start, so it is refused.
 */
export class DependencyEndedError extends DomainError {
  readonly code = 'JOB_DEPENDENCY_ENDED';
  constructor(field: string, jobId: string, status: JobStatus, forGood: boolean) {
    super(
      `${field}: job ${jobId} is ${forGood ? `${status} for good` : status} and will not complete; re-queue it first`,
      { field, jobId, status },
    );
  }
}
