/**
 * What an alert is about. Stable wire names: webhook receivers route on them.
 * - `job.dead_lettered`: a job failed for good and its message went to the dead-letter queue.
 * - `failure_rate.exceeded`: failed / finished attempts over the window reached the threshold.
 */
export type AlertEvent = 'job.dead_lettered' | 'failure_rate.exceeded';

/** One alert, exactly as the webhook sends it (JSON) and the log prints it. */
export interface Alert {
  event: AlertEvent;
  /** The job concerned; null for alerts about the whole queue (the failure rate). */
  jobId: string | null;
  jobType: string | null;
  /** The job's last error, or a sentence describing the failure rate. */
  error: string;
  /** Failed / finished attempts over the window, 0..1 (failure-rate alerts only). */
  failureRate?: number;
  /** When the condition was detected, ISO 8601 UTC. */
  at: string;
}
