import type { AppConfig } from '@app/config';
import { queryRows } from '@app/database';
import { tracingOn } from '@app/tracing';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { typePaused } from './paused-types';
import { isHeld } from './fair-shares';
import { waitingForDependencies } from './sql/dependency-sql';

/**
 * How long before its not_before a delayed row is sent, with SQS DelaySeconds for the rest: at
 * most 900 (SQS's limit), and longer than the relay's interval, so that a row is sent before it
 * is due and arrives on time rather than up to one interval late.
 */
export const SEND_AHEAD_SECONDS = 60;

/**
 * When an outbox row is due: the expression of idx_queue_messages_due (WHERE sent_at IS NULL),
 * which the relay's lease and the backlog read walk in order and stop at now (+ the lead).
 */
export const OUTBOX_ROW_DUE = 'COALESCE(not_before, created_at)';

/** A job that failed for good, to be announced on the DLQ. */
export interface DeadLetterEntry {
  jobId: string;
  attempt: number;
  reason: string;
}

/** A row the relay has leased: the message to send, and where. */
export interface UnsentMessage {
  id: string;
  jobId: string;
  attempt: number;
  queueUrl: string | null;
  delaySeconds: number;
  reason: string | null;
  /** The job's trace (jobs.trace_parent), read only while tracing is on; else null. */
  traceParent: string | null;
}

/** What the relay's send reports back, per leased row. */
export interface RelayOutcome {
  sent: { id: string; messageId: string }[];
  failed: { id: string; error: string }[];
}

/** A received message the worker is done with (claimed its job, or found nothing to claim). */
export interface ConsumedMessage {
  jobId: string;
  /** SQS MessageId, which the relay stored as `message_id` when it sent the message. */
  messageId: string;
  receiptHandle: string;
  /** Whether DeleteMessageBatch removed it from the queue. */
  deleted: boolean;
}

/**
 * `queue_messages`, the transactional outbox. Every row is written by libs/jobs in the statement
 * of the transition it announces (a submission, a release, a retry, a dead letter), so a message
 * exists exactly when its job's new state does; this repository holds the rest of the table's
 * writes: the relay's leases and sends (libs/queue calls relayBatch), the worker's bookkeeping of
 * received messages, the sweeper's re-sends and dead letters by hand. After a commit that wrote
 * rows, writers call OutboxSignal.notify() so the relay sends them at once.
 */
@Injectable()
export class QueueMessagesRepository {
  private readonly queueUrl: string;
  private readonly dlqUrl: string;

  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    config: ConfigService<AppConfig, true>,
  ) {
    ({ queueUrl: this.queueUrl, dlqUrl: this.dlqUrl } = config.get('queue', { infer: true }));
  }

  /**
   * DLQ rows for jobs that failed for good, at most one per (job, attempt): an attempt that
   * already has one (the transition that failed it wrote it) is skipped. Returns how many rows
   * were written; the caller signals the relay (OutboxSignal).
   */
  async addDeadLetters(entries: readonly DeadLetterEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const rows = await queryRows<{ id: string }>(
      this.manager,
      `INSERT INTO queue_messages (job_id, queue_url, attempt, reason)
       SELECT e.job_id, $1::varchar, e.attempt, e.reason
       FROM unnest($2::uuid[], $3::int[], $4::text[]) AS e(job_id, attempt, reason)
       WHERE NOT EXISTS (SELECT 1 FROM queue_messages q
                         WHERE q.job_id = e.job_id AND q.attempt = e.attempt AND q.queue_url = $1::varchar)
       RETURNING id`,
      [
        this.dlqUrl,
        entries.map((e) => e.jobId),
        entries.map((e) => e.attempt),
        entries.map((e) => e.reason),
      ],
    );
    return rows.length;
  }

  /**
   * Leases up to `limit` unsent rows that are due (or due within SEND_AHEAD_SECONDS: they go with
   * SQS DelaySeconds for the rest, rounded up, so never early) for `leaseMs` (in due order; rows another relay holds, by
   * row lock or by an unexpired lease, are skipped), hands them to `send` with no transaction
   * open, then records what `send` reports in one statement: sent rows get sent_at and their
   * message id, failed ones their error and no lease, so the next pass retries them. Each
   * statement is its own short transaction, so a frozen SQS pins no connection. A relay that
   * dies mid-send leaves its lease to expire; another relay then sends those rows again, which
   * the claim makes harmless. The record is fenced by the lease: a relay whose lease expired and
   * was taken over does not overwrite its successor's outcome. Returns the rows sent.
   */
  async relayBatch(
    limit: number,
    leaseMs: number,
    send: (rows: UnsentMessage[]) => Promise<RelayOutcome>,
  ): Promise<number> {
    // the job's trace, for the send span: a primary-key lookup per row, so only while tracing
    const traced = tracingOn()
      ? ', (SELECT j.trace_parent FROM jobs j WHERE j.id = q.job_id) AS trace_parent'
      : '';
    const rows = await queryRows<{
      id: string;
      job_id: string;
      attempt: number | null;
      queue_url: string | null;
      delay_seconds: number;
      reason: string | null;
      lease: string;
      trace_parent?: string | null;
    }>(
      this.manager,
      `UPDATE queue_messages q SET leased_until = now() + make_interval(secs => $2::int / 1000.0)
       WHERE q.id IN (
         SELECT id FROM queue_messages
         WHERE sent_at IS NULL AND ${OUTBOX_ROW_DUE} <= now() + interval '${SEND_AHEAD_SECONDS} seconds'
           AND (leased_until IS NULL OR leased_until < now())
         ORDER BY ${OUTBOX_ROW_DUE} LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING q.id, q.job_id, q.attempt, q.queue_url, q.reason, q.leased_until::text AS lease,
                 GREATEST(q.delay_seconds, ceil(extract(epoch FROM q.not_before - now()))::int) AS delay_seconds${traced}`,
      [limit, leaseMs],
      { prepared: true },
    );
    if (rows.length === 0) return 0;
    const { sent, failed } = await send(
      rows.map((r) => ({
        id: r.id,
        jobId: r.job_id,
        attempt: r.attempt ?? 1,
        queueUrl: r.queue_url,
        delaySeconds: r.delay_seconds,
        reason: r.reason,
        traceParent: r.trace_parent ?? null,
      })),
    );
    const outcomes = [
      ...sent.map((s) => ({ id: s.id, messageId: s.messageId, error: null })),
      ...failed.map((f) => ({ id: f.id, messageId: null, error: f.error })),
    ];
    if (outcomes.length) {
      await queryRows(
        this.manager,
        `UPDATE queue_messages q SET
           sent_at = CASE WHEN o.error IS NULL THEN now() END,
           message_id = COALESCE(o.message_id, q.message_id),
           send_attempts = q.send_attempts + 1,
           last_send_error = COALESCE(o.error, q.last_send_error),
           leased_until = NULL
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS o(id, message_id, error)
         WHERE q.id = o.id AND q.sent_at IS NULL AND q.leased_until = $4::timestamptz`,
        [
          outcomes.map((o) => o.id),
          outcomes.map((o) => o.messageId),
          outcomes.map((o) => o.error),
          rows[0].lease,
        ],
        { prepared: true },
      );
    }
    return sent.length;
  }

  /**
   * The specification's bookkeeping of a message's life after it was sent: `receipt_handle`,
   * `processed_at` (when the worker claimed its job: the claim's `started_at`, by the database
   * clock; for a message whose job was not claimed, such as a duplicate, now) and `deleted_at`
   * (when SQS confirmed the delete). One statement per received batch, found by the job_id index;
   * it costs one more row version per message, which is why it runs after the job has started.
   */
  async recordConsumed(messages: readonly ConsumedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await queryRows(
      this.manager,
      `UPDATE queue_messages q SET
         receipt_handle = r.receipt_handle,
         processed_at = COALESCE(q.processed_at,
           CASE WHEN j.attempt = q.attempt AND j.started_at IS NOT NULL THEN j.started_at ELSE now() END),
         deleted_at = CASE WHEN r.deleted THEN now() ELSE q.deleted_at END
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[])
         AS r(job_id, message_id, receipt_handle, deleted)
       JOIN jobs j ON j.id = r.job_id
       WHERE q.job_id = r.job_id AND q.message_id = r.message_id AND q.deleted_at IS NULL`,
      [
        messages.map((m) => m.jobId),
        messages.map((m) => m.messageId),
        messages.map((m) => m.receiptHandle),
        messages.map((m) => m.deleted),
      ],
      { prepared: true },
    );
  }

  /**
   * Adds a message for pending jobs whose newest message was sent more than `olderThanMs` ago
   * (and none is waiting to be sent): SQS lost it. A delayed message (not_before) counts from
   * when it became due, not from its send: it waits in SQS until then, and a resend without the
   * delay would start the job early. A duplicate is harmless, the claim dedups.
   * Jobs of a paused type are parked on purpose (no message in flight) and left alone; resuming
   * the type announces them. So are jobs held over their user's fair share (the release does)
   * and jobs waiting for dependencies (the completion of their last dependency announces them).
   */
  async addForStalePending(olderThanMs: number, limit: number): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      this.manager,
      `INSERT INTO queue_messages (job_id, queue_url, attempt)
       SELECT j.id, $1, j.attempt + 1 FROM jobs j
       WHERE j.status = 'pending' AND NOT ${typePaused('j')} AND NOT ${isHeld('j')}
         AND NOT ${waitingForDependencies('j')}
         AND j.created_at < now() - make_interval(secs => $2::int / 1000.0)
         AND NOT EXISTS (
           SELECT 1 FROM queue_messages q WHERE q.job_id = j.id
             AND (q.sent_at IS NULL
                  OR GREATEST(q.sent_at, q.not_before) > now() - make_interval(secs => $2::int / 1000.0)))
       ORDER BY j.created_at LIMIT $3
       RETURNING id`,
      [this.queueUrl, olderThanMs, limit],
    );
    return rows.length;
  }
}
