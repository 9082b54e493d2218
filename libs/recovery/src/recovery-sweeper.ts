import type { AppConfig } from '@app/config';
import { JobStatus } from '@app/database';
import { JobsBatchService, OutboxSignal, QueueMessagesRepository } from '@app/jobs';
import { Metrics } from '@app/metrics';
import { Outbox } from '@app/queue';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ErrorRecovery } from './error-recovery.service';
import { describeError } from './retry-decision';

const SWEEP_LIMIT = 500;
/**
 * The settle pass looks at jobs waiting for dependencies created this recently: the race it
 * repairs can only hit a job created moments before its dependency finished.
 */
const SETTLE_WINDOW_MS = 5 * 60_000;

export interface SweepResult {
  /** Jobs recovered from a dead worker (re-queued, cancelled or failed for good). */
  stalled: number;
  /** Stalled jobs that had lost their worker max_retries times: failed for good, DLQ, alert. */
  deadLettered: number;
  requeued: number;
  /** Pending jobs past their expireAt: cancelled. */
  expired: number;
  /** Jobs held over their user's fair share, announced as their share freed up. */
  released: number;
  resent: number;
  /** Recently created jobs waiting for dependencies whose counter was behind: announced or cancelled. */
  settled: number;
  /** A failure-rate alert went out on this pass. */
  alerted: boolean;
}

/**
 * The worker's maintenance pass, every JOB_PROCESSOR_INTERVAL ms:
 * 1. jobs whose worker is gone (heartbeat and worker presence older than
 *    RECOVERY_STALL_AFTER_MS, see JobsBatchService.findStalled) go back to pending without
 *    spending a retry, or are cancelled when that was requested; a job that lost its worker
 *    max_retries times fails for good and goes to the DLQ with an alert, so a job that kills
 *    its worker every time ends there instead of looping. A candidate is acted on only when a
 *    pass at least 2 × WORKER_HEARTBEAT_MS later still finds it: after PostgreSQL was frozen
 *    or down, every live worker's presence is late until its next heartbeat, and that
 *    confirmation is what tells a dead worker from a dead database;
 * 2. failed jobs whose next_retry_at has passed go back to pending with a new outbox message;
 * 3. pending jobs past their expireAt are cancelled (the claim cancels those whose message
 *    arrives; this catches the ones no message reached in time);
 * 4. jobs held over their user's fair share are announced as far as the share allows again
 *    (completions and failures release in their own statements; this catches stalls, stops,
 *    cancels and raised caps);
 * 5. pending jobs whose message SQS lost get a new one (after RECOVERY_RESEND_AFTER_MS); jobs
 *    created in the last 5 minutes that wait for dependencies are settled: a completion that
 *    raced their submission is counted (JobsBatchService.settleWaiting);
 * 6. outbox rows that were never sent (SQS was down) or that became due are sent;
 * 7. the failure rate is checked against ALERT_FAILURE_RATE_THRESHOLD (ErrorRecovery).
 * Every step locks rows with SKIP LOCKED, so any number of workers can sweep at once. A slow but
 * live worker may be declared stalled; the attempt fence turns its late completion into a no-op.
 * Worst-case recovery of a dead worker's job: stall limit + 2 × heartbeat + two intervals.
 */
@Injectable()
export class RecoverySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RecoverySweeper.name);
  private readonly intervalMs: number;
  private readonly stallAfterMs: number;
  private readonly resendAfterMs: number;
  private readonly confirmAfterMs: number;
  /** Stall candidates → when this process first saw them (its own clock: only differences count). */
  private suspects = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private current?: Promise<unknown>;

  constructor(
    private readonly jobs: JobsBatchService,
    private readonly messages: QueueMessagesRepository,
    private readonly signal: OutboxSignal,
    private readonly outbox: Outbox,
    private readonly recovery: ErrorRecovery,
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    this.intervalMs = config.get('processor', { infer: true }).intervalMs;
    this.stallAfterMs = config.get('worker', { infer: true }).stallAfterMs;
    this.resendAfterMs = config.get('worker', { infer: true }).resendAfterMs;
    this.confirmAfterMs = 2 * config.get('worker', { infer: true }).heartbeatMs;
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }

  /** One full pass; exposed so tests and operators can run it on demand. */
  async sweep(): Promise<SweepResult> {
    const stalled = await this.jobs.recoverStalled(await this.confirmedStalls(), this.stallAfterMs);
    const { actions } = this.metrics.sweeper;
    actions.inc({ action: 'stalled' }, stalled.length);
    let deadLettered = 0;
    for (const job of stalled) {
      this.logger.warn(
        `job ${job.id} lost its worker on attempt ${job.attempt}: ${job.requeued ? 're-queued' : job.status}`,
      );
      if (job.status !== JobStatus.Failed) continue;
      // its DLQ copy was written by the statement that failed it (JobsBatchService.recoverStalled)
      deadLettered++;
      this.countDeadLetter(job.jobType);
      void this.recovery.sendAlert(job.id, job.errorMessage ?? 'stalled', job.jobType);
    }
    if (deadLettered) this.signal.notify();
    let requeued = 0;
    for (;;) {
      const batch = (await this.jobs.retryDue(SWEEP_LIMIT)).length;
      requeued += batch;
      actions.inc({ action: 'retried' }, batch);
      if (batch < SWEEP_LIMIT) break;
    }
    const expired = (await this.jobs.expireMany(null, SWEEP_LIMIT)).length;
    actions.inc({ action: 'expired' }, expired);
    const released = await this.jobs.releaseHeld();
    actions.inc({ action: 'released' }, released);
    const resent = await this.messages.addForStalePending(this.resendAfterMs, SWEEP_LIMIT);
    actions.inc({ action: 'resent' }, resent);
    if (resent)
      this.logger.warn(`${resent} pending jobs had lost their SQS message; sent new ones`);
    const settledNow = await this.jobs.settleWaiting(SETTLE_WINDOW_MS, SWEEP_LIMIT);
    const settled = settledNow.announced + settledNow.cancelled;
    actions.inc({ action: 'settled' }, settled);
    await this.outbox.flush();
    const { alerted } = await this.recovery.checkFailureRate().catch((e: unknown) => {
      this.logger.warn(`failure-rate check failed: ${describeError(e)}`);
      return { alerted: false };
    });
    return {
      stalled: stalled.length,
      deadLettered,
      requeued,
      expired,
      released,
      resent,
      settled,
      alerted,
    };
  }

  /** The last attempt of a job that lost its worker once too often: failed, and for good. */
  private countDeadLetter(jobType: string): void {
    const labels = this.metrics.jobType(jobType);
    this.metrics.jobs.failed.inc(labels);
    this.metrics.jobs.deadLettered.inc(labels);
  }

  /** Candidates seen on an earlier pass at least confirmAfterMs ago and again now. */
  private async confirmedStalls(): Promise<string[]> {
    const candidates = await this.jobs.findStalled(this.stallAfterMs, SWEEP_LIMIT);
    const now = Date.now();
    const confirmed = candidates.filter((id) => {
      const since = this.suspects.get(id);
      return since !== undefined && now - since >= this.confirmAfterMs;
    });
    this.suspects = new Map(candidates.map((id) => [id, this.suspects.get(id) ?? now]));
    return confirmed;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.current = this.sweep()
        .catch((error: unknown) =>
          this.logger.warn(
            `recovery sweep failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        )
        .finally(() => {
          if (this.timer) this.schedule();
        });
    }, this.intervalMs);
  }
}
