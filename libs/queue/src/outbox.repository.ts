import { queryRows, type SqlStatement } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';

export interface OutboxEntry {
  jobId: string;
  attempt: number;
}

export interface UnsentMessage extends OutboxEntry {
  id: string;
}

/**
 * `queue_messages` as a transactional outbox. Rows are written in the caller's transaction
 * (with the job they announce), so a message exists exactly when its job does; the relay sends
 * them after commit.
 */
@Injectable()
export class OutboxRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  /** One multi-row INSERT for any number of jobs, inside `manager`'s transaction. */
  async add(
    manager: EntityManager,
    queueUrl: string,
    entries: readonly OutboxEntry[],
  ): Promise<void> {
    if (entries.length === 0) return;
    await queryRows(
      manager,
      `INSERT INTO queue_messages (job_id, queue_url, attempt)
       SELECT job_id, $1, attempt FROM unnest($2::uuid[], $3::int[]) AS e(job_id, attempt)`,
      [queueUrl, entries.map((e) => e.jobId), entries.map((e) => e.attempt)],
    );
  }

  /**
   * Runs `insert` (an `INSERT INTO jobs … RETURNING id, …`) and writes a first-attempt message for
   * every job it returns, as ONE statement: atomic without a transaction, so a job submitted on
   * its own costs one round trip instead of four (BEGIN, two INSERTs, COMMIT). Returns its rows.
   */
  async addWithJobs<T extends { id: string }>(
    manager: EntityManager,
    queueUrl: string,
    insert: SqlStatement,
  ): Promise<T[]> {
    const queueUrlParam = `$${insert.params.length + 1}`;
    return queryRows<T>(
      manager,
      `WITH inserted AS (${insert.text}),
       announced AS (
         INSERT INTO queue_messages (job_id, queue_url, attempt)
         SELECT id, ${queueUrlParam}, 1 FROM inserted
       )
       SELECT * FROM inserted`,
      [...insert.params, queueUrl],
    );
  }

  /**
   * Locks up to `limit` unsent rows, oldest first, skipping rows another relay holds, and hands
   * them to `send`; what `send` reports is recorded before the lock is released. A crash after
   * sending and before commit sends those messages again later: the claim makes that harmless.
   */
  async relayBatch(
    limit: number,
    send: (rows: UnsentMessage[]) => Promise<{
      sent: { id: string; messageId: string }[];
      failed: { id: string; error: string }[];
    }>,
  ): Promise<number> {
    return this.manager.transaction(async (m) => {
      const rows = await queryRows<{ id: string; job_id: string; attempt: number }>(
        m,
        `SELECT id, job_id, attempt FROM queue_messages WHERE sent_at IS NULL
         ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const { sent, failed } = await send(
        rows.map((r) => ({ id: r.id, jobId: r.job_id, attempt: r.attempt ?? 1 })),
      );
      if (sent.length) {
        await queryRows(
          m,
          `UPDATE queue_messages q SET sent_at = now(), message_id = s.message_id, send_attempts = send_attempts + 1
           FROM unnest($1::uuid[], $2::text[]) AS s(id, message_id) WHERE q.id = s.id`,
          [sent.map((s) => s.id), sent.map((s) => s.messageId)],
        );
      }
      if (failed.length) {
        await queryRows(
          m,
          `UPDATE queue_messages q SET send_attempts = send_attempts + 1, last_send_error = f.error
           FROM unnest($1::uuid[], $2::text[]) AS f(id, error) WHERE q.id = f.id`,
          [failed.map((f) => f.id), failed.map((f) => f.error)],
        );
      }
      return sent.length;
    });
  }

  /**
   * Adds a message for pending jobs whose newest message was sent more than `olderThanMs` ago
   * (and none is waiting to be sent): SQS lost it. A duplicate is harmless, the claim dedups.
   */
  async addForStalePending(queueUrl: string, olderThanMs: number, limit: number): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      this.manager,
      `INSERT INTO queue_messages (job_id, queue_url, attempt)
       SELECT j.id, $1, j.attempt + 1 FROM jobs j
       WHERE j.status = 'pending'
         AND j.created_at < now() - make_interval(secs => $2::int / 1000.0)
         AND NOT EXISTS (
           SELECT 1 FROM queue_messages q WHERE q.job_id = j.id
             AND (q.sent_at IS NULL OR q.sent_at > now() - make_interval(secs => $2::int / 1000.0)))
       ORDER BY j.created_at LIMIT $3
       RETURNING id`,
      [queueUrl, olderThanMs, limit],
    );
    return rows.length;
  }
}
