import { type JobRow, toJob } from './job-row.mapper';
import type { Job } from './job.types';

/** What a submission got: the job it created, or the one its user's key had made already. */
export interface Submitted {
  job: Job;
  created: boolean;
}

/**
 * The statement's rows by input position (0-based): created wins over an existing job (only a
 * key deleted and re-inserted while the statement ran yields both); undefined: run it again.
 */
export function submittedByInput(
  count: number,
  rows: readonly (JobRow & { n: number; created: boolean })[],
): (Submitted | undefined)[] {
  const out = new Array<Submitted | undefined>(count).fill(undefined);
  for (const { n, created, ...row } of rows) {
    if (!out[n - 1]?.created) out[n - 1] = { job: toJob(row), created };
  }
  return out;
}
