import type { Alert } from './alert';

/**
 * Port of an alert destination (the log, a webhook; a pager or chat channel would be a third).
 * `send` hands the alert over and returns at once: it must never throw and never wait for the
 * network, because it is called from the job-failure path.
 */
export abstract class AlertChannel {
  /** Short name for log lines, e.g. `webhook`. */
  abstract readonly name: string;

  abstract send(alert: Alert): void;

  /** Gives alerts still being delivered up to `graceMs`, then drops them. */
  close(_graceMs: number): Promise<void> {
    return Promise.resolve();
  }
}

/** Injection token of the configured channels (an array, the log channel first). */
export const ALERT_CHANNELS = Symbol('ALERT_CHANNELS');
