import { JobStatus } from '@app/database';

/**
 * Every legal status change, written down once. The repository turns each into one conditional
 * `UPDATE … WHERE status IN (<from>) RETURNING`, so two racing callers can never both win.
 */
export const TRANSITIONS = {
  /** A worker takes a pending job; attempt + 1 becomes the fencing token of this run. */
  claim: { from: [JobStatus.Pending], to: JobStatus.Processing },
  /** The handler returned (fenced by attempt). */
  complete: { from: [JobStatus.Processing], to: JobStatus.Completed },
  /** The handler threw or the worker died (fenced by attempt). */
  fail: { from: [JobStatus.Processing], to: JobStatus.Failed },
  /**
   * Pending jobs are cancelled at once; a processing job is only asked to stop and becomes
   * cancelled when its handler has stopped; a failed job whose retry is scheduled is still live
   * work, so it may be cancelled too.
   */
  cancel: {
    from: [JobStatus.Pending, JobStatus.Processing, JobStatus.Failed],
    to: JobStatus.Cancelled,
  },
  /** A failed job is queued again by the retry policy while it has retries left. */
  retry: { from: [JobStatus.Failed], to: JobStatus.Pending },
  /**
   * Someone (the owner or an admin) runs a failed or cancelled job again by hand. Not limited by
   * max_retries and not counted in retry_count: that budget belongs to automatic retries.
   */
  requeue: { from: [JobStatus.Failed, JobStatus.Cancelled], to: JobStatus.Pending },
} as const satisfies Record<string, { from: readonly JobStatus[]; to: JobStatus }>;

export type TransitionName = keyof typeof TRANSITIONS;

/** The states each state may be entered from, derived from TRANSITIONS. */
export const ALLOWED_FROM: Readonly<Record<JobStatus, readonly JobStatus[]>> = (() => {
  const map: Record<JobStatus, Set<JobStatus>> = {
    [JobStatus.Pending]: new Set(),
    [JobStatus.Processing]: new Set(),
    [JobStatus.Completed]: new Set(),
    [JobStatus.Failed]: new Set(),
    [JobStatus.Cancelled]: new Set(),
  };
  for (const t of Object.values(TRANSITIONS)) for (const from of t.from) map[t.to].add(from);
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
