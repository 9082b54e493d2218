import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { isDataError } from '@app/database';
import {
  type ConsumedMessage,
  type Job,
  JobsBatchService,
  OutboxSignal,
  QueueMessagesRepository,
  WorkerPresence,
} from '@app/jobs';
import { QueueService } from '@app/queue';
import { describeError } from '@app/recovery';
import { tracingOn } from '@app/tracing';
import { Injectable, Logger } from '@nestjs/common';
import { Execution } from './execution';
import { LANE_RECEIVER } from './consumer-name';
import { HandlerRegistry } from './handler-registry';
import { IntakeGate } from './intake-gate';
import { JobTrace, nowMs } from './job-trace';
import { MicroBatcher } from './micro-batcher';

/** A job of a type this worker does not run comes back this much later (rolling deploys), in s. */
const UNKNOWN_TYPE_DELAY_S = 60;
/**
 * Received messages' bookkeeping (processed_at, deleted_at) is written for many batches at once:
 * nothing waits on it, and one statement per received batch of ten cost more than the claims.
 */
const BOOKKEEPING_LINGER_MS = 250;
const BOOKKEEPING_BATCH = 1000;
/** How long stopping waits for the last bookkeeping write when PostgreSQL does not answer. */
const BOOKKEEPING_CLOSE_MS = 2000;

/** A received message and the jobs it announces (one, or several packed by the relay). */
interface Received {
  message: Message;
  jobIds: string[];
}

/**
 * The worker's intake: each received batch (sized by the IntakeGate to the free slots) is
 * claimed in one UPDATE and acknowledged in one DeleteMessageBatch; from then on PostgreSQL
 * owns the job (a dead worker is caught by the stall sweeper, not by SQS redelivery). A claim
 * that fails because PostgreSQL is away is retried with backoff while the gate holds every
 * receive loop back and the messages' visibility is extended: nothing is handed back, no
 * receive count is spent.
 */
@Injectable()
export class Intake {
  private readonly logger = new Logger(Intake.name);
  /** Received batches whose claim is still in progress. */
  private readonly claiming = new Set<Promise<void>>();
  private readonly consumed: MicroBatcher<ConsumedMessage, null>;

  constructor(
    private readonly gate: IntakeGate,
    private readonly batch: JobsBatchService,
    private readonly queue: QueueService,
    private readonly messages: QueueMessagesRepository,
    private readonly outboxSignal: OutboxSignal,
    private readonly registry: HandlerRegistry,
    private readonly presence: WorkerPresence,
    private readonly execution: Execution,
  ) {
    this.consumed = new MicroBatcher(
      async (items) => {
        await this.messages.recordConsumed(items);
        return items.map(() => null);
      },
      {
        maxBatch: BOOKKEEPING_BATCH,
        lingerMs: BOOKKEEPING_LINGER_MS,
        isItemError: isDataError,
        onRetry: (error, attempt) =>
          this.logger.warn(
            `recording processed/deleted messages failed (try ${attempt}): ${describeError(error)}; retrying`,
          ),
      },
    );
  }

  /**
   * One batch received by loop `receiver`. Most messages hold a slot the IntakeGate reserved;
   * any beyond the reservation are claimed all the same and wait for a slot locally. Returns at
   * once; the claim runs in the background so the loop's next long poll overlaps it.
   */
  receive(receiver: string, messages: readonly Message[]): void {
    const readable: Received[] = [];
    const poison: Message[] = [];
    for (const message of messages) {
      const jobs = this.queue.processJob(message);
      if (jobs) readable.push({ message, jobIds: [...new Set(jobs.map((j) => j.jobId))] });
      else poison.push(message);
    }
    const jobs = readable.reduce((n, r) => n + r.jobIds.length, 0);
    const slotted = this.gate.take(receiver, jobs);
    // acknowledged (or made invisible, or dead-lettered) on the queue it came from
    const lane = receiver === LANE_RECEIVER ? this.queue.priorityQueueUrl : null;
    const queueUrl = lane ?? this.queue.queueUrl;
    const claim = this.claimAndStart(queueUrl, readable, poison, slotted).finally(() =>
      this.claiming.delete(claim),
    );
    this.claiming.add(claim);
  }

  /** Resolves when every batch received so far is claimed (or given up on) and recorded. */
  async drain(): Promise<void> {
    await Promise.all(this.claiming);
    await this.consumed.close(BOOKKEEPING_CLOSE_MS);
  }

  /**
   * Claims, acknowledges and starts a batch received from `queueUrl`; `slotted` of its jobs hold
   * a slot.
   */
  private async claimAndStart(
    queueUrl: string,
    readable: readonly Received[],
    poison: readonly Message[],
    slotted: number,
  ): Promise<void> {
    for (const message of poison)
      await this.queue
        .handleError(message, 'unreadable message body: not a job message', queueUrl)
        .catch((e: unknown) =>
          this.logger.warn(`dead-lettering a poison message failed: ${describeError(e)}`),
        );
    if (readable.length === 0) return;
    const ids = readable.flatMap((r) => r.jobIds);
    const startedAt = nowMs();
    const claimed = await this.claim(
      ids,
      readable.map((r) => r.message),
      queueUrl,
    );
    if (!claimed) {
      // stopping while PostgreSQL is away: the messages come back after their visibility timeout
      this.gate.slots.release(slotted);
      return;
    }
    // the lane's receives reserve nothing, so they do not size the ordinary ones
    if (queueUrl === this.queue.queueUrl) this.gate.claimed(readable.length, claimed.length);
    if (claimed.length < slotted) this.gate.slots.release(slotted - claimed.length);
    const traces = this.traces(readable, claimed, startedAt);
    claimed.forEach((job, i) => void this.execution.run(job, i < slotted, traces[i]));
    if (claimed.length < ids.length) await this.settleUnclaimed(ids, claimed);
    // Claimed or not (a duplicate, a cancelled or finished job), these messages are done with:
    // PostgreSQL owns the jobs now. A lost delete only means a redelivery that claims nothing.
    const deleted = new Set(
      await this.queue.deleteMessages(
        readable.map((r) => r.message),
        queueUrl,
      ),
    );
    // bookkeeping only: never held up by, nor holding up, the jobs (they run already)
    for (const { message, jobIds } of readable)
      for (const jobId of jobIds)
        this.consumed
          .push({
            jobId,
            messageId: message.MessageId ?? '',
            receiptHandle: message.ReceiptHandle ?? '',
            deleted: deleted.has(message),
          })
          .catch(() => undefined); // given up at shutdown, after the retries were logged
  }

  /**
   * Claims the jobs, retrying with backoff while PostgreSQL is away (the gate pauses every
   * receive loop meanwhile) and keeping the messages invisible. undefined: the worker stopped first.
   */
  private async claim(
    ids: string[],
    messages: Message[],
    queueUrl: string,
  ): Promise<Job[] | undefined> {
    const claimId = randomUUID(); // kept by the retries: what an earlier try committed is ours
    for (let failures = 0; ; failures++) {
      try {
        const types = this.registry.types();
        const { claimed, deferred } = await this.batch.claimMany(
          ids,
          this.presence.workerId,
          types,
          { claimId, retried: failures > 0 },
        );
        this.gate.claimSucceeded();
        if (deferred > 0) this.outboxSignal.notify(); // rate-limited jobs announced for their slots
        return claimed;
      } catch (error) {
        if (this.gate.isClosed) return undefined;
        const delayMs = this.gate.claimFailed();
        if (failures % 10 === 0)
          this.logger.warn(
            `claim failed (${describeError(error)}); receiving paused, trying again in ${delayMs} ms`,
          );
        // ChangeMessageVisibility does not count as a receive: the messages stay ours meanwhile
        await this.queue.releaseMessages(messages, Math.ceil((2 * delayMs) / 1000) + 60, queueUrl);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  /** Each claimed job's trace, its claim span recorded; none while tracing is off. */
  private traces(readable: readonly Received[], claimed: readonly Job[], startedAt: number) {
    if (!tracingOn()) return [];
    const endedAt = nowMs();
    const attribute = new Map(
      readable.flatMap((r) => r.jobIds.map((id) => [id, this.queue.traceParentOf(r.message)])),
    );
    return claimed.map((job) =>
      JobTrace.claimed(job, { startedAt, endedAt, messageTraceParent: attribute.get(job.id) }),
    );
  }

  /**
   * Jobs the claim skipped: a duplicate, a finished job or one a rate limit deferred (the claim
   * wrote its next message) needs nothing; a job of a type this
   * worker does not run is announced again later; an expired one is cancelled now (the sweeper
   * would, later). Either failure is left to the sweeper.
   */
  private async settleUnclaimed(ids: string[], claimed: readonly Job[]): Promise<void> {
    await this.deferUnknownTypes(ids);
    const taken = new Set(claimed.map((j) => j.id));
    const skipped = ids.filter((id) => !taken.has(id));
    try {
      const expired = await this.batch.expireMany(skipped, skipped.length);
      if (expired.length)
        this.logger.log(`${expired.length} jobs arrived after their expireAt: cancelled`);
    } catch (error) {
      this.logger.warn(`cancelling expired jobs failed: ${describeError(error)}`);
    }
  }

  private async deferUnknownTypes(ids: string[]): Promise<void> {
    try {
      const deferred = await this.batch.deferUnknownTypes(
        ids,
        this.registry.types(),
        UNKNOWN_TYPE_DELAY_S,
      );
      if (deferred) {
        this.logger.warn(
          `${deferred} jobs are of types this worker does not run; announced again in ${UNKNOWN_TYPE_DELAY_S} s`,
        );
        this.outboxSignal.notify();
      }
    } catch (error) {
      // the resend sweep announces them again later
      this.logger.warn(`deferring jobs of unknown types failed: ${describeError(error)}`);
    }
  }
}
