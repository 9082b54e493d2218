import { JobStatus } from '@app/database';

const { Pending, Processing, Completed, Failed, Cancelled } = JobStatus;

/**
 * Every legal status change, written down once. Each is one conditional statement in
 * JobsBatchService (`… WHERE status IN (<from>)`, see transition-sql.ts), batch-first, so two
 * racing callers can never both win; a single job is an array of one.
 */
export const TRANSITIONS = {
  /** A worker takes a pending job; attempt + 1 becomes the fencing token of this run. */
  claim: { from: [Pending], to: [Processing] },
  /** The handler returned (fenced by attempt). */
  complete: { from: [Processing], to: [Completed] },
  /** The handler threw (fenced by attempt): a retry is scheduled, or it failed for good. */
  fail: { from: [Processing], to: [Failed] },
  /**
   * The worker gives an attempt up without a verdict (it is stopping, or it fenced itself after
   * losing PostgreSQL): no retry is spent, a new message announces the job.
   */
  release: { from: [Processing], to: [Pending] },
  /**
   * The job's worker is gone: pending again without spending a retry, cancelled when that was
   * requested, failed for good after max_retries such losses.
   */
  stall: { from: [Processing], to: [Pending, Cancelled, Failed] },
  /**
   * Pending jobs are cancelled at once; a processing job is only asked to stop and becomes
   * cancelled when its handler has stopped; a failed job whose retry is scheduled is still live
   * work, so it may be cancelled too.
   */
  cancel: { from: [Pending, Processing, Failed], to: [Cancelled] },
  /** A failed job is queued again by the retry policy while it has retries left. */
  retry: { from: [Failed], to: [Pending] },
  /**
   * Someone (the owner or an admin) runs a failed or cancelled job again by hand, or re-drives
   * dead jobs. Not limited by max_retries and not counted in retry_count: that budget belongs
   * to automatic retries.
   */
  requeue: { from: [Failed, Cancelled], to: [Pending] },
} as const satisfies Record<string, { from: readonly JobStatus[]; to: readonly JobStatus[] }>;

export type TransitionName = keyof typeof TRANSITIONS;

/** The states each state may be entered from, derived from TRANSITIONS. */
export const ALLOWED_FROM: Readonly<Record<JobStatus, readonly JobStatus[]>> = (() => {
  const map: Record<JobStatus, Set<JobStatus>> = {
    [Pending]: new Set(),
    [Processing]: new Set(),
    [Completed]: new Set(),
    [Failed]: new Set(),
    [Cancelled]: new Set(),
  };
  for (const t of Object.values(TRANSITIONS))
    for (const to of t.to) for (const from of t.from) map[to].add(from);
  return Object.fromEntries(Object.entries(map).map(([to, from]) => [to, [...from]])) as Record<
    JobStatus,
    JobStatus[]
  >;
})();

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED_FROM[to].includes(from);
}

/**
 * Only completed jobs never change again. Failed and cancelled jobs stay put unless someone
 * re-queues them by hand (`requeue`); nothing in the system moves them on its own.
 */
export function isFinal(status: JobStatus): boolean {
  return !Object.values(ALLOWED_FROM).some((froms) => froms.includes(status));
}
