import type { AppConfig } from '@app/config';
import { isDataError } from '@app/database';
import {
  type AttemptRef,
  type Completion,
  type Failure,
  type Job,
  JobsBatchService,
  JobsService,
  type LogLine,
  OutboxSignal,
} from '@app/jobs';
import { Metrics } from '@app/metrics';
import { decideRetry, describeError, ErrorRecovery, PermanentJobError } from '@app/recovery';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MicroBatcher } from './micro-batcher';
import type { RunningJob } from './running-job';
import { storableJson, storableText } from './storable';

/** How long a completion, failure or log line waits to share its statement (MicroBatcher). */
const BATCH_LINGER_MS = 5;

/**
 * Writes what became of each attempt: completions, failures (retry or dead letter), log lines,
 * cancellations and releases. Completions, failures and log lines are batched; every write is
 * fenced by the attempt number. Values are made storable before they join a batch (see
 * storable.ts), and a value PostgreSQL refuses anyway fails its own job, never the batch.
 */
@Injectable()
export class OutcomeRecorder {
  private readonly logger = new Logger(OutcomeRecorder.name);
  private readonly maxResultBytes: number;
  private readonly completions: MicroBatcher<Completion, boolean>;
  private readonly failures: MicroBatcher<Failure, Job | undefined>;
  private readonly logs: MicroBatcher<LogLine, null>;

  constructor(
    private readonly batch: JobsBatchService,
    private readonly jobs: JobsService,
    private readonly outboxSignal: OutboxSignal,
    private readonly recovery: ErrorRecovery,
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    this.maxResultBytes = config.get('worker', { infer: true }).maxResultBytes;
    const onRetry = (what: string) => (error: unknown, attempt: number) =>
      this.logger.warn(
        `writing ${what} failed (try ${attempt}): ${describeError(error)}; retrying`,
      );
    const options = (what: string, maxBatch: number) => ({
      maxBatch,
      lingerMs: BATCH_LINGER_MS,
      isItemError: isDataError,
      onRetry: onRetry(what),
    });
    this.completions = new MicroBatcher(
      async (items, attempt) => {
        const won = new Set(await this.batch.completeMany(items, { retried: attempt > 1 }));
        return items.map((i) => won.has(i.id));
      },
      options('completions', 100),
    );
    this.failures = new MicroBatcher(
      async (items, attempt) => {
        const failed = await this.batch.failMany(items, { retried: attempt > 1 });
        const rows = new Map(failed.map((j) => [j.id, j]));
        return items.map((i) => rows.get(i.id));
      },
      options('failures', 100),
    );
    this.logs = new MicroBatcher(
      async (lines) => {
        await this.batch.appendLogs(lines);
        return lines.map(() => null);
      },
      options('job logs', 500),
    );
  }

  /** Appends a log line; a line PostgreSQL refuses is dropped with a warning, never retried. */
  log(line: LogLine): Promise<unknown> {
    return this.logs
      .push({ ...line, message: storableText(line.message) })
      .catch((error: unknown) =>
        this.logger.warn(`log line of job ${line.jobId} dropped: ${describeError(error)}`),
      );
  }

  /**
   * Records a successful attempt. A result that cannot be stored fails the job for good, with
   * the reason. Returns false when the attempt was no longer current (fenced out).
   */
  async succeeded(running: RunningJob, results: unknown): Promise<boolean> {
    await Promise.all(running.logWrites);
    const stored = storableJson(results, this.maxResultBytes);
    if (!stored.ok) {
      await this.failed(running, new PermanentJobError(stored.reason));
      return false;
    }
    let won: boolean;
    try {
      won = await this.completions.push({ ...running.ref, resultsJson: stored.json });
    } catch (error) {
      if (!isDataError(error)) throw error;
      await this.failed(
        running,
        new PermanentJobError(`the result could not be stored: ${describeError(error)}`),
      );
      return false;
    }
    // the job's "attempt N completed" line is written by the completion statement itself
    if (won) this.metrics.jobs.completed.inc(this.metrics.jobType(running.job.jobType));
    else
      this.logger.warn(
        `job ${running.id} attempt ${running.attempt} finished after it was taken over; result dropped`,
      );
    return won;
  }

  /**
   * Records a failed attempt: a retry with backoff (due by the database clock), or failed for
   * good: a copy in the DLQ and an alert that is queued, never awaited.
   */
  async failed(running: RunningJob, error: unknown): Promise<void> {
    const decision = decideRetry(running.job, error, this.recovery.retryPolicy);
    const errorMessage = storableText(decision.errorMessage);
    // the owner reads errorMessage; what it leaves out (AWS text, ffmpeg's stderr) is logged here
    if (decision.detail !== decision.errorMessage)
      this.logger.warn(`job ${running.id} attempt ${running.attempt} failed: ${decision.detail}`);
    running.log('error', `attempt ${running.attempt} failed: ${errorMessage}`);
    await Promise.all(running.logWrites);
    const failed = await this.failures
      .push({ ...running.ref, errorMessage, retryDelayMs: decision.retryDelayMs })
      .catch((e: unknown) => {
        if (!isDataError(e)) throw e;
        const fallback = `the error could not be stored (${describeError(e)})`;
        return this.failures.push({ ...running.ref, errorMessage: fallback, retryDelayMs: null });
      });
    if (failed) this.countFailure(failed);
    if (failed && decision.retryDelayMs === null) {
      this.outboxSignal.notify(); // its DLQ copy was written with the failure (JobsBatchService.failMany)
      void this.recovery.sendAlert(running.id, errorMessage, failed.jobType);
    }
  }

  /** A recorded failure: retried when the row has a retry due, else dead-lettered. */
  private countFailure(job: Job): void {
    const labels = this.metrics.jobType(job.jobType);
    this.metrics.jobs.failed.inc(labels);
    if (job.nextRetryAt) this.metrics.jobs.retried.inc(labels);
    else this.metrics.jobs.deadLettered.inc(labels);
  }

  /** processing → cancelled once the handler stopped on a cancellation request. */
  async cancelled(running: RunningJob): Promise<void> {
    running.log('warn', `attempt ${running.attempt} stopped: the job was cancelled`);
    await Promise.all(running.logWrites);
    await this.jobs.confirmCancelled(running.id, running.attempt).catch(() => undefined);
  }

  /**
   * processing → pending plus a new outbox message, for attempts this worker gives up without
   * a verdict (shutdown, self-fencing): no retry is spent. Fenced by attempt: a job recovered
   * meanwhile by the sweeper is left alone.
   */
  async release(refs: readonly AttemptRef[]): Promise<void> {
    if (refs.length === 0) return;
    await this.batch.releaseMany(refs);
    this.outboxSignal.notify();
  }

  /** Writes what is batched, retrying a database that is away for at most `graceMs`. */
  async close(graceMs: number): Promise<void> {
    await Promise.all([
      this.completions.close(graceMs),
      this.failures.close(graceMs),
      this.logs.close(graceMs),
    ]);
  }
}
