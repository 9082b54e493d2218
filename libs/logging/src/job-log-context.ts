import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while a job's attempt runs says about it. */
export interface JobLogFields {
  jobId: string;
  attempt: number;
  jobType: string;
}

const current = new AsyncLocalStorage<JobLogFields>();

/**
 * Runs `fn` (an attempt of a job, to its recorded outcome) so that every log line written in it,
 * by any class through Nest's Logger, carries the job's id, attempt and type. The ids, never the
 * payload or result.
 */
export function withJobLogContext<T>(job: JobLogFields, fn: () => T): T {
  return current.run({ jobId: job.jobId, attempt: job.attempt, jobType: job.jobType }, fn);
}

/** pino's mixin: the fields of the job being run, or none outside one. */
export function jobLogFields(): Partial<JobLogFields> {
  return current.getStore() ?? {};
}

/**
 * Runs `fn` outside any job's context: for work started on behalf of one job that serves many
 * (a batch write), whose lines must not be labelled with whichever job came first.
 */
export function outsideJobLogContext<T>(fn: () => T): T {
  return current.exit(fn);
}
