import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { SqlStatement } from '@app/database';
import type { EntityManager } from 'typeorm';
import { type OutboxEntry, OutboxRepository, type UnsentMessage } from './outbox.repository';
import { QueueService } from './queue.service';

/** Rows locked per relay transaction: ten SendMessageBatch calls, sent in parallel. */
const RELAY_BATCH = 100;

/**
 * The transactional outbox. `enqueue` writes a job's message in the job's own transaction;
 * after commit, the relay sends it to SQS. `nudge()` after a commit sends at once (calls arriving while a pass
 * runs fold into one more pass, which is what batches sends under load); the worker also calls
 * `flush()` on an interval, so rows written while SQS was down go out once it is back.
 * Several relays (api instances, workers) can run together: rows are locked with SKIP LOCKED.
 */
@Injectable()
export class Outbox implements OnApplicationShutdown {
  private readonly logger = new Logger(Outbox.name);
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly queue: QueueService,
  ) {}

  /** Records messages for these jobs in `manager`'s transaction; call `nudge()` after commit. */
  enqueue(manager: EntityManager, entries: readonly OutboxEntry[]): Promise<void> {
    return this.outbox.add(manager, this.queue.queueUrl, entries);
  }

  /**
   * Runs a jobs INSERT and writes their first messages in the same statement (see
   * OutboxRepository.addWithJobs); call `nudge()` after it.
   */
  enqueueWithJobs<T extends { id: string }>(
    manager: EntityManager,
    insert: SqlStatement,
  ): Promise<T[]> {
    return this.outbox.addWithJobs<T>(manager, this.queue.queueUrl, insert);
  }

  /** New messages for pending jobs whose message SQS must have lost (see OutboxRepository). */
  resendStalePending(olderThanMs: number, limit: number): Promise<number> {
    return this.outbox.addForStalePending(this.queue.queueUrl, olderThanMs, limit);
  }

  /**
   * Announces the next attempt of jobs that a transition just put back to pending (retry,
   * release, re-drive): their message carries `attempt + 1`, the attempt the claim will make.
   */
  enqueueNextAttempt(
    manager: EntityManager,
    jobs: readonly { id: string; attempt: number }[],
  ): Promise<void> {
    return this.enqueue(
      manager,
      jobs.map((j) => ({ jobId: j.id, attempt: j.attempt + 1 })),
    );
  }

  /** Starts a pass now, or one more right after the current pass. Never throws. */
  nudge(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Sends every unsent row; resolves when none are left or a send failed (retried next time). */
  async flush(): Promise<void> {
    this.nudge();
    while (this.running) await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        let sent: number;
        do sent = await this.outbox.relayBatch(RELAY_BATCH, (rows) => this.send(rows));
        while (sent === RELAY_BATCH && !this.closed);
      } catch (error) {
        this.logger.warn(
          `outbox relay pass failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return;
      }
    } while (this.again && !this.closed);
  }

  private async send(rows: UnsentMessage[]) {
    const result = await this.queue.sendJobs(rows, (r) => ({ jobId: r.jobId, attempt: r.attempt }));
    if (result.failed.length) {
      this.logger.warn(
        `${result.failed.length} outbox messages not sent (${result.failed[0].error}); will retry`,
      );
    }
    return {
      sent: result.sent.map((s) => ({ id: s.item.id, messageId: s.messageId })),
      failed: result.failed.map((f) => ({ id: f.item.id, error: f.error })),
    };
  }
}
