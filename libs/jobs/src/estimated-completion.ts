/**
 * When a running job will likely finish, from two estimates of its total run time:
 * - extrapolated from its own progress: elapsed × 100 / progress;
 * - the job type's recent average processing time, unless this run has already outlasted it
 *   (then that average says nothing about when this run ends).
 * They are blended by progress: at 0 % only history counts, at 100 % only the job itself, so the
 * estimate starts from experience and converges on what this run shows. Null when there is
 * nothing to go on.
 */
export function estimateCompletion(input: {
  now: Date;
  startedAt: Date;
  progress: number;
  recentAverageMs: number | null;
}): Date | null {
  const elapsed = Math.max(0, input.now.getTime() - input.startedAt.getTime());
  const progress = Math.min(100, Math.max(0, input.progress));
  const fromProgress = progress > 0 ? (elapsed * 100) / progress : null;
  const fromHistory =
    input.recentAverageMs !== null && input.recentAverageMs > elapsed
      ? input.recentAverageMs
      : null;
  let total: number;
  if (fromProgress !== null && fromHistory !== null) {
    const w = progress / 100;
    total = w * fromProgress + (1 - w) * fromHistory;
  } else if (fromProgress !== null) {
    total = fromProgress;
  } else if (fromHistory !== null) {
    total = fromHistory;
  } else {
    return null;
  }
  return new Date(input.startedAt.getTime() + total);
}
