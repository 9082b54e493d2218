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

/** Orders of a job list: by creation or finish time, `-` for newest first. */
export const JOB_SORTS = ['-createdAt', 'createdAt', '-finishedAt', 'finishedAt'] as const;
export type JobSort = (typeof JOB_SORTS)[number];

/** Where a keyset page starts: after the row with this sort key (exact, as text) and id. */
export interface JobKeyset {
  sort: JobSort;
  /** The row's sort timestamp with microseconds, UTC (`2026-01-07T00:00:00.123456Z`). */
  key: string;
  id: string;
}

export interface ListJobsFilter {
  status?: readonly JobStatus[];
  jobType?: string;
  /** Only this user's jobs (the api forces the caller's own id for plain users). */
  userId?: string;
  parentId?: string;
  /** created_at >= createdFrom, created_at < createdTo; the same for finished (completed_at). */
  createdFrom?: Date;
  createdTo?: Date;
  finishedFrom?: Date;
  finishedTo?: Date;
  /** Jobs whose payload contains this object (JSONB `@>`). */
  payload?: Record<string, unknown>;
  /** Default `-createdAt`; a finished-time sort lists finished jobs only. */
  sort?: JobSort;
  limit: number;
  /** Offset paging (with a total), or keyset paging after `after` (no total): never both. */
  page?: number;
  after?: JobKeyset;
}

/** A page of jobs; `next` is where the following page starts, null after the last. */
export interface JobListPage {
  items: Job[];
  total: number | null;
  next: JobKeyset | null;
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

/** A job at one end of a dependency edge, as the job detail shows it. */
export interface JobDependencyRef {
  id: string;
  status: JobStatus;
}

/** Both directions of a job's dependencies: what it waits for, and who waits for it. */
export interface JobDependencies {
  dependsOn: JobDependencyRef[];
  /** The first MAX_DEPENDENTS_SHOWN, oldest first. */
  dependents: JobDependencyRef[];
}

/** How many dependents a job detail lists. */
export const MAX_DEPENDENTS_SHOWN = 1000;
