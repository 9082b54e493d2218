/**
 * The lifecycle of a job. Only the jobs lib writes `status`, and only through the conditional
 * UPDATEs of its state machine (libs/jobs/src/job-state-machine.ts).
 */
export enum JobStatus {
  /** Accepted and waiting for a worker to claim it (first run, or a retry that is due). */
  Pending = 'pending',
  /** Claimed by a worker. `attempt` fences later writes: a stale worker's UPDATE matches 0 rows. */
  Processing = 'processing',
  /** The handler returned; `results` holds what it returned. Final. */
  Completed = 'completed',
  /**
   * The last attempt threw. With `next_retry_at` set a retry is scheduled; without it the job
   * has run out of retries (or failed permanently) and stays failed.
   */
  Failed = 'failed',
  /** Cancelled by its owner or an admin before it finished. Final. */
  Cancelled = 'cancelled',
}

export const JOB_STATUSES: readonly JobStatus[] = Object.values(JobStatus);
