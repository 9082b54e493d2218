import type { JobEntity, JobStatus } from '@app/database';

/** A job as the rest of the system sees it: the row of `jobs`. */
export type Job = JobEntity;

export interface CreateJobInput {
  userId: string;
  jobType: string;
  payload: unknown;
  /** Defaults to MAX_JOB_RETRIES. */
  maxRetries?: number;
  idempotencyKey?: string | null;
  parentId?: string | null;
}

export interface ListJobsFilter {
  status?: readonly JobStatus[];
  jobType?: string;
  page: number;
  limit: number;
}

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}

/** How an attempt failed, as decided by the retry policy. */
export interface FailureOutcome {
  errorMessage: string;
  /** Run again this long after the failure (by the database clock); null: failed for good. */
  retryDelayMs: number | null;
}
