import type { AppConfig } from '@app/config';
import { Metrics } from '@app/metrics';
import {
  OutboxSignal,
  QueueMessagesRepository,
  type RelayOutcome,
  type UnsentMessage,
} from '@app/jobs';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { packMessages } from './message-packing';
import { traceSends } from './message-tracing';
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

/**
 * The outbox relay: sends the queue_messages rows libs/jobs wrote (with the transitions they
 * announce) to SQS. OutboxSignal.notify() after a commit starts a pass at once (signals arriving
 * while a pass runs fold into one more pass, which is what batches sends under load); the worker
 * also calls `flush()` on an interval, so rows written while SQS was down go out once it is back.
 * Several relays (api instances, workers) can run together: a pass leases its rows
 * (`leased_until`) and sends them with no transaction open (see QueueMessagesRepository.relayBatch).
 * Each row goes to its own queue (the work queue, or the DLQ for dead letters) with its delay.
 */
@Injectable()
export class Outbox implements OnApplicationShutdown {
  private readonly logger = new Logger(Outbox.name);
  private readonly leaseMs: number;
  private readonly jobsPerMessage: number;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly messages: QueueMessagesRepository,
    private readonly queue: QueueService,
    signal: OutboxSignal,
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    const { requestTimeoutMs, jobsPerMessage } = config.get('queue', { infer: true });
    this.leaseMs = LEASE_REQUEST_TIMEOUTS * requestTimeoutMs;
    this.jobsPerMessage = jobsPerMessage;
    signal.listen(() => this.nudge());
  }

  /**
   * Starts a pass now, or one more right after the current pass (on OutboxSignal.notify()).
   * Never throws, and the pass never rejects: writers signal right after a commit, and a relay problem must not turn a
   * committed write into an error (the rows stay for the next pass).
   */
  private nudge(): void {
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
          sent = await this.messages.relayBatch(RELAY_BATCH, this.leaseMs, (rows) =>
            this.send(rows),
          );
        while (sent === RELAY_BATCH && !this.closed);
      } catch (error) {
        this.warn('outbox relay pass failed', error);
        return;
      }
    } while (this.again && !this.closed);
  }

  private async send(rows: UnsentMessage[]): Promise<RelayOutcome> {
    const packs = packMessages(rows, this.queue.queueUrl, this.jobsPerMessage);
    const traced = traceSends(packs);
    const result = await this.queue.sendMessages(packs, (pack) => pack.message);
    traced(new Set(result.failed.map((f) => f.item)));
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
