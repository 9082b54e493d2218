/**
 * The variables a scenario gives each chaos worker process, beyond the app's own. Test code
 * only: the api process registers the chaos job types for validation and never runs them, so
 * none is needed there.
 */
export const CHAOS_ENV = {
  /** Where the worker's chaos handlers append their history. */
  historyFile: 'CHAOS_HISTORY_FILE',
  /** The worker's name, written in each history line. */
  worker: 'CHAOS_WORKER',
  /** The worker's clock runs this many ms ahead (negative: behind); see clock-skew.ts. */
  clockOffsetMs: 'CHAOS_CLOCK_OFFSET_MS',
} as const;

/** This process's clock skew (CHAOS_CLOCK_OFFSET_MS), 0 when none is set. */
export function clockOffsetMs(): number {
  return Number(process.env[CHAOS_ENV.clockOffsetMs] ?? 0);
}
