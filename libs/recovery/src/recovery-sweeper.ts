import type { AppConfig } from '@app/config';
import { JobsBatchService } from '@app/jobs';
import { Outbox } from '@app/queue';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { ErrorRecovery } from './error-recovery.service';
import { describeError } from './retry-decision';

const SWEEP_LIMIT = 500;

export interface SweepResult {
  stalled: number;
  /** Stalled jobs that were out of retries: failed for good, moved to the DLQ, alerted. */
  deadLettered: number;
  requeued: number;
  resent: number;
  /** A failure-rate alert went out on this pass. */
  alerted: boolean;
}

/**
 * The worker's maintenance pass, every JOB_PROCESSOR_INTERVAL ms:
 * 1. stalled jobs (processing, heartbeat older than RECOVERY_STALL_AFTER_MS) fail as an attempt;
 *    those out of retries fail for good and go to the DLQ with an alert, so a job that kills
 *    its worker every time ends there instead of looping;
 * 2. failed jobs whose next_retry_at has passed go back to pending with a new outbox message;
 * 3. pending jobs whose message SQS lost get a new one (after RECOVERY_RESEND_AFTER_MS);
 * 4. outbox rows that were never sent (SQS was down) are sent;
 * 5. the failure rate is checked against ALERT_FAILURE_RATE_THRESHOLD (ErrorRecovery).
 * Every step locks rows with SKIP LOCKED, so any number of workers can sweep at once. A slow but
 * live worker may be declared stalled; the attempt fence turns its late completion into a no-op.
 * Worst-case recovery of a dead worker's job: stall limit + one interval.
 */
@Injectable()
export class RecoverySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RecoverySweeper.name);
  private readonly intervalMs: number;
  private readonly stallAfterMs: number;
  private readonly resendAfterMs: number;
  private timer?: NodeJS.Timeout;
  private current?: Promise<unknown>;

  constructor(
    private readonly jobs: JobsBatchService,
    private readonly outbox: Outbox,
    private readonly recovery: ErrorRecovery,
    @InjectEntityManager() private readonly manager: EntityManager,
    config: ConfigService<AppConfig, true>,
  ) {
    this.intervalMs = config.get('processor', { infer: true }).intervalMs;
    this.stallAfterMs = config.get('worker', { infer: true }).stallAfterMs;
    this.resendAfterMs = config.get('worker', { infer: true }).resendAfterMs;
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
    const stalled = await this.jobs.failStalled(this.stallAfterMs, SWEEP_LIMIT);
    let deadLettered = 0;
    for (const job of stalled) {
      this.logger.warn(
        `job ${job.id} stalled on attempt ${job.attempt}; ${job.nextRetryAt ? 'retrying' : 'out of retries'}`,
      );
      if (job.nextRetryAt) continue;
      deadLettered++;
      const reason = job.errorMessage ?? 'stalled';
      await this.recovery
        .moveToDLQ(job.id, reason)
        .catch((e: unknown) =>
          this.logger.warn(`moving job ${job.id} to the DLQ failed: ${describeError(e)}`),
        );
      void this.recovery.sendAlert(job.id, reason, job.jobType);
    }
    let requeued = 0;
    for (;;) {
      const batch = await this.manager.transaction(async (m) => {
        const due = await this.jobs.retryDue(SWEEP_LIMIT, m);
        await this.outbox.enqueueNextAttempt(m, due);
        return due.length;
      });
      requeued += batch;
      if (batch < SWEEP_LIMIT) break;
    }
    const resent = await this.outbox.resendStalePending(this.resendAfterMs, SWEEP_LIMIT);
    if (resent)
      this.logger.warn(`${resent} pending jobs had lost their SQS message; sent new ones`);
    await this.outbox.flush();
    const { alerted } = await this.recovery.checkFailureRate().catch((e: unknown) => {
      this.logger.warn(`failure-rate check failed: ${describeError(e)}`);
      return { alerted: false };
    });
    return { stalled: stalled.length, deadLettered, requeued, resent, alerted };
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
