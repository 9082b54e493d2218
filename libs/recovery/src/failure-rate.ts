/** Failed attempts over finished attempts (failed + completed) in a window. */
export interface FailureRate {
  /** failed / finished, 0..1; 0 when nothing finished. */
  rate: number;
  failed: number;
  finished: number;
  windowMs: number;
}

export function toFailureRate(failed: number, finished: number, windowMs: number): FailureRate {
  return { rate: finished > 0 ? failed / finished : 0, failed, finished, windowMs };
}

export interface FailureRatePolicy {
  /** ALERT_FAILURE_RATE_THRESHOLD, 0..1. */
  threshold: number;
  /** ALERT_MIN_ATTEMPTS: fewer finished attempts than this never alert. */
  minAttempts: number;
}

/**
 * Whether a window's failure rate is alarming: at or above the threshold, over enough attempts
 * to be a trend, and with at least one failure (a threshold of 0 does not alert on success).
 */
export function crossesThreshold(r: FailureRate, policy: FailureRatePolicy): boolean {
  return r.failed > 0 && r.finished >= policy.minAttempts && r.rate >= policy.threshold;
}

/** The alert's sentence, e.g. `12 of 40 attempts failed in the last 300 s (30.0%, threshold 25.0%)`. */
export function describeFailureRate(r: FailureRate, threshold: number): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return `${r.failed} of ${r.finished} attempts failed in the last ${Math.round(r.windowMs / 1000)} s (${pct(r.rate)}, threshold ${pct(threshold)})`;
}
