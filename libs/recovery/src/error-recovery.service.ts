import { type AppConfig, ConfigError, type RecoveryConfig } from '@app/config';
import { JobStatus } from '@app/database';
import {
  DLQ_LOG_PREFIX,
  JobStatsService,
  JobsBatchService,
  JobsService,
  OutboxSignal,
  QueueMessagesRepository,
} from '@app/jobs';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Alert } from './alerts/alert';
import { ALERT_CHANNELS, AlertChannel } from './alerts/alert-channel';
import { AlertDeduplicator } from './alerts/alert-dedup';
import { exponentialBackoff } from './backoff';
import {
  crossesThreshold,
  describeFailureRate,
  type FailureRate,
  toFailureRate,
} from './failure-rate';
import { JobNotDeadError } from './recovery.errors';
import { describeError, type RetryPolicy } from './retry-decision';

/** The job-log line written when an attempt is dead-lettered. */
export { DLQ_LOG_PREFIX };
/** How long shutdown waits for alerts still being delivered, in ms. */
export const ALERT_SHUTDOWN_GRACE_MS = 3000;

export interface DeadLetterOutcome {
  /** false: this attempt was already dead-lettered, nothing new was queued. */
  moved: boolean;
  attempt: number;
}

export interface FailureRateCheck extends FailureRate {
  /** An alert went out on this check (the rate crossed the threshold, first time in the window). */
  alerted: boolean;
}

/**
 * The specification's ErrorRecovery: what happens after an attempt failed.
 *
 * - `exponentialBackoff(attempt, baseDelay)`: full-jitter backoff (see backoff.ts for why),
 *   capped at RETRY_MAX_DELAY_MS. `retryPolicy` is what JobProcessor hands to `decideRetry`.
 * - `moveToDLQ(jobId, reason)`: the specification's operation, by hand. A job failed for good
 *   by the worker or the sweeper already has its DLQ copy: the statement that failed it wrote the
 *   outbox row and the log line (JobsBatchService, fenced by attempt). This queues one for a job
 *   that has none for its attempt (the outbox keeps at most one DLQ row per job and attempt),
 *   through the outbox, with a `system` line in its log.
 * - `sendAlert(jobId, error)`: a `job.dead_lettered` alert through every channel (the log,
 *   and the webhook when ALERT_WEBHOOK_URL is set). Never throws and never waits for delivery.
 * - `getFailureRate(windowMs)`: failed / finished attempts over the window (JobStatsService):
 *   failed attempts are job_metrics rows (`failed_attempt_ms`, written with the failure), finished
 *   ones those plus the jobs completed in the window (`completed_at`, idx_jobs_completed_type).
 *   `jobs` alone could not answer it: it keeps only each job's latest state, so a job that failed
 *   twice and then completed would count as one success. Stalls (the worker died) write no metric
 *   and are not counted.
 * - `checkFailureRate()`: run by the RecoverySweeper on each pass; alerts when the rate is at
 *   or above ALERT_FAILURE_RATE_THRESHOLD over at least ALERT_MIN_ATTEMPTS attempts.
 *
 * Flood control lives in memory (AlertDeduplicator): each condition fires once per
 * ALERT_WINDOW_MS per process — a job's dead-letter alert once per job, the failure-rate alert
 * once per window. In memory because it needs no table and no round trip on the failure path,
 * and the cross-process case is already narrow: a job is dead-lettered by exactly one worker
 * (the fenced UPDATE), so only the failure-rate alert can repeat, at most once per worker per
 * window. A restart forgets the windows, which can mean one extra alert.
 *
 * Options, from the `recovery` config section:
 * - ALERT_WEBHOOK_URL / ALERT_WEBHOOK_SECRET: see WebhookAlertChannel.
 * - ALERT_FAILURE_RATE_THRESHOLD (ratio 0..1, default 0.25).
 * - ALERT_WINDOW_MS (ms, default 300 000): the failure-rate window and the quiet time per condition.
 * - ALERT_MIN_ATTEMPTS (count, default 10): finished attempts a window needs before it can alert.
 * - RETRY_MAX_DELAY_MS (ms, default 3 600 000): the backoff cap.
 */
@Injectable()
export class ErrorRecovery implements OnApplicationShutdown {
  private readonly logger = new Logger(ErrorRecovery.name);
  private readonly options: RecoveryConfig;
  private readonly dedup = new AlertDeduplicator();
  private readonly moving = new Map<string, Promise<DeadLetterOutcome>>();
  private closed = false;
  readonly retryPolicy: Readonly<RetryPolicy>;

  constructor(
    private readonly jobs: JobsService,
    private readonly batch: JobsBatchService,
    private readonly stats: JobStatsService,
    private readonly messages: QueueMessagesRepository,
    private readonly outboxSignal: OutboxSignal,
    @Inject(ALERT_CHANNELS) private readonly channels: readonly AlertChannel[],
    config: ConfigService<AppConfig, true>,
  ) {
    this.options = config.get('recovery', { infer: true });
    const o = this.options;
    const problems: string[] = [];
    if (!(o.failureRateThreshold >= 0 && o.failureRateThreshold <= 1))
      problems.push('ALERT_FAILURE_RATE_THRESHOLD must be between 0 and 1');
    if (!(o.windowMs > 0)) problems.push('ALERT_WINDOW_MS must be positive');
    if (!(o.minAttempts >= 1)) problems.push('ALERT_MIN_ATTEMPTS must be at least 1');
    if (!(o.retryMaxDelayMs > 0)) problems.push('RETRY_MAX_DELAY_MS must be positive');
    if (problems.length) throw new ConfigError(problems);
    this.retryPolicy = {
      initialDelayMs: config.get('processor', { infer: true }).initialRetryDelayMs,
      capMs: o.retryMaxDelayMs,
    };
  }

  /** Delay before retry `attempt` (0-based), drawn from [0, min(cap, baseDelay × 2^attempt)]. */
  exponentialBackoff(
    attempt: number,
    baseDelay: number,
    random: () => number = Math.random,
  ): number {
    return exponentialBackoff(attempt, baseDelay, { capMs: this.options.retryMaxDelayMs, random });
  }

  /**
   * Sends a job that failed for good to the dead-letter queue with `reason`, and records it in
   * the job's log. Throws JobNotFoundError, or JobNotDeadError when the job may still run.
   */
  moveToDLQ(jobId: string, reason: string): Promise<DeadLetterOutcome> {
    const current = this.moving.get(jobId);
    if (current) return current;
    const move = this.move(jobId, reason).finally(() => this.moving.delete(jobId));
    this.moving.set(jobId, move);
    return move;
  }

  /**
   * Raises a `job.dead_lettered` alert for `jobId` on every channel, once per job per window.
   * Resolves to whether it went out (false: a duplicate, or the service is shutting down);
   * never rejects. `jobType` saves a lookup when the caller has the job at hand.
   */
  async sendAlert(jobId: string, error: unknown, jobType?: string): Promise<boolean> {
    try {
      if (this.closed || !this.dedup.admit(`job:${jobId}`, Date.now(), this.options.windowMs))
        return false;
      const type =
        jobType ??
        (await this.jobs.getById(jobId).then(
          (j) => j.jobType,
          () => null,
        ));
      this.dispatch({
        event: 'job.dead_lettered',
        jobId,
        jobType: type,
        error: describeError(error),
        at: new Date().toISOString(),
      });
      return true;
    } catch (e) {
      this.logger.warn(`alert for job ${jobId} failed: ${describeError(e)}`);
      return false;
    }
  }

  /** Failed / finished attempts over the last `windowMs` (default ALERT_WINDOW_MS), by the database clock. */
  async getFailureRate(windowMs: number = this.options.windowMs): Promise<FailureRate> {
    const row = await this.stats.attemptsEndedWithin(windowMs);
    return toFailureRate(row.failed, row.finished, windowMs);
  }

  /** Alerts when the failure rate crosses the threshold, at most once per window. */
  async checkFailureRate(): Promise<FailureRateCheck> {
    const r = await this.getFailureRate();
    const o = this.options;
    const alerted =
      !this.closed &&
      crossesThreshold(r, { threshold: o.failureRateThreshold, minAttempts: o.minAttempts }) &&
      this.dedup.admit('failure-rate', Date.now(), o.windowMs);
    if (alerted)
      this.dispatch({
        event: 'failure_rate.exceeded',
        jobId: null,
        jobType: null,
        error: describeFailureRate(r, o.failureRateThreshold),
        failureRate: r.rate,
        at: new Date().toISOString(),
      });
    return { ...r, alerted };
  }

  /** Gives webhook deliveries in flight ALERT_SHUTDOWN_GRACE_MS, then drops them. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await Promise.all(this.channels.map((c) => c.close(ALERT_SHUTDOWN_GRACE_MS)));
  }

  private async move(jobId: string, reason: string): Promise<DeadLetterOutcome> {
    const job = await this.jobs.getById(jobId);
    if (job.status !== JobStatus.Failed || job.nextRetryAt !== null)
      throw new JobNotDeadError(jobId, job.status, job.nextRetryAt);
    const attempt = job.attempt;
    const queued = await this.messages.addDeadLetters([{ jobId, attempt, reason }]);
    if (queued === 0) return { moved: false, attempt };
    this.outboxSignal.notify();
    await this.batch.appendLogs([
      {
        jobId,
        attempt,
        level: 'error',
        message: `${DLQ_LOG_PREFIX} after attempt ${attempt}: ${reason}`,
        source: 'system',
      },
    ]);
    return { moved: true, attempt };
  }

  private dispatch(alert: Alert): void {
    for (const channel of this.channels) {
      try {
        channel.send(alert);
      } catch (error) {
        this.logger.warn(`alert channel ${channel.name} failed: ${describeError(error)}`);
      }
    }
  }
}
