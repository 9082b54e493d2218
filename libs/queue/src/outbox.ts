import type { AppConfig } from '@app/config';
import { Metrics } from '@app/metrics';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import {
  type ConsumedMessage,
  type OutboxEntry,
  OutboxRepository,
  type RelayOutcome,
  type UnsentMessage,
} from './outbox.repository';
import { packMessages } from './message-packing';
import { QueueService } from './queue.service';

/**
 * Rows leased per relay pass: up to a hundred messages of ten jobs, ten SendMessageBatch calls
 * sent in parallel. A pass costs two statements and one round of SQS calls whatever its size, so
 * a bulk submission is relayed in passes of a thousand, not a hundred.
 */
const RELAY_BATCH = 1000;

/**
 * How long a relay pass may hold its rows, as a multiple of SQS_REQUEST_TIMEOUT_MS: the SDK tries
 * a call up to three times, each bounded by that timeout, and the lease must outlast them all, or
 * a second relay would send the same rows while the first is still at it.
 */
const LEASE_REQUEST_TIMEOUTS = 4;

/** A job that failed for good, to be announced on the DLQ. */
export interface DeadLetterEntry {
  jobId: string;
  attempt: number;
  reason: string;
}

/**
 * The transactional outbox. `enqueue` writes a job's message in the job's own transaction;
 * after commit, the relay sends it to SQS. `nudge()` after a commit sends at once (calls arriving while a pass
 * runs fold into one more pass, which is what batches sends under load); the worker also calls
 * `flush()` on an interval, so rows written while SQS was down go out once it is back.
 * Several relays (api instances, workers) can run together: a pass leases its rows
 * (`leased_until`) and sends them with no transaction open (see OutboxRepository.relayBatch).
 * Each row goes to its own queue (the work queue, or the DLQ for dead letters) with its delay.
 */
@Injectable()
export class Outbox implements OnApplicationShutdown {
  private readonly logger = new Logger(Outbox.name);
  private readonly leaseMs: number;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly queue: QueueService,
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    this.leaseMs = LEASE_REQUEST_TIMEOUTS * config.get('queue', { infer: true }).requestTimeoutMs;
  }

  /** Writes when received messages were processed and deleted (OutboxRepository.recordConsumed). */
  recordConsumed(messages: readonly ConsumedMessage[]): Promise<void> {
    return this.outbox.recordConsumed(messages);
  }

  /** Records messages for these jobs in `manager`'s transaction; call `nudge()` after commit. */
  enqueue(manager: EntityManager, entries: readonly OutboxEntry[]): Promise<void> {
    return this.outbox.add(
      manager,
      this.queue.queueUrl,
      entries.map((e) => ({ jobId: e.jobId, attempt: e.attempt, delaySeconds: e.delaySeconds })),
    );
  }

  /**
   * Records DLQ messages for jobs that failed for good, in `manager`'s transaction: the relay
   * sends each with its reason as the `reason` attribute (what QueueService.deadLetter sends).
   * At most one per attempt: returns how many were new. Call `nudge()` after commit.
   */
  enqueueDeadLetters(manager: EntityManager, entries: readonly DeadLetterEntry[]): Promise<number> {
    return this.outbox.addDeadLetters(manager, this.queue.dlqUrl, entries);
  }

  /** New messages for pending jobs whose message SQS must have lost (see OutboxRepository). */
  resendStalePending(olderThanMs: number, limit: number): Promise<number> {
    return this.outbox.addForStalePending(this.queue.queueUrl, olderThanMs, limit);
  }

  /**
   * Starts a pass now, or one more right after the current pass. Never throws, and the pass
   * never rejects: callers nudge right after a commit, and a relay problem must not turn a
   * committed write into an error (the rows stay for the next pass).
   */
  nudge(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop()
      .catch((error: unknown) => this.warn('outbox relay pass failed', error))
      .finally(() => (this.running = undefined));
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
        do
          sent = await this.outbox.relayBatch(RELAY_BATCH, this.leaseMs, (rows) => this.send(rows));
        while (sent === RELAY_BATCH && !this.closed);
      } catch (error) {
        this.warn('outbox relay pass failed', error);
        return;
      }
    } while (this.again && !this.closed);
  }

  private async send(rows: UnsentMessage[]): Promise<RelayOutcome> {
    const result = await this.queue.sendMessages(
      packMessages(rows, this.queue.queueUrl),
      (pack) => pack.message,
    );
    if (result.failed.length) {
      this.logger.warn(
        `${result.failed.length} outbox messages not sent (${result.failed[0].error}); will retry`,
      );
    }
    const outcome = {
      sent: result.sent.flatMap((s) =>
        s.item.rows.map((r) => ({ id: r.id, messageId: s.messageId })),
      ),
      failed: result.failed.flatMap((f) => f.item.rows.map((r) => ({ id: r.id, error: f.error }))),
    };
    this.metrics.outbox.relayed.inc({ outcome: 'sent' }, outcome.sent.length);
    this.metrics.outbox.relayed.inc({ outcome: 'failed' }, outcome.failed.length);
    return outcome;
  }

  private warn(what: string, error: unknown): void {
    this.logger.warn(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
