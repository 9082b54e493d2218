import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a job may run, and for how long (issue 14): all columns nullable, NULL meaning "as before".
 *
 * - jobs.run_at: when the job becomes due (POST runAt / delaySeconds); shown by the api. The
 *   decision itself is the outbox row's not_before (below), so nothing scans jobs for it.
 * - jobs.expire_at: an attempt may not start after it; the claim skips such a job and it is
 *   cancelled (the cancel transition). idx_jobs_expire_due serves the sweeper's pass over pending
 *   jobs that never got a message in time. Cost: it is partial (pending and expire_at set), so a
 *   job without expireAt never enters it; status is indexed already, so the transitions were not
 *   HOT before either, and each non-HOT version only evaluates the predicate. A job with
 *   expireAt adds one entry while it is pending (insert, release, retry).
 * - jobs.timeout_seconds: the attempt's time limit instead of its type's (the worker reads it).
 * - queue_messages.not_before: the relay does not send the row before not_before − 60 s, and then
 *   sends it with SQS DelaySeconds = what remains, so delays of any length cost SQS nothing.
 *   idx_queue_messages_unsent (created_at WHERE sent_at IS NULL) becomes idx_queue_messages_due on
 *   COALESCE(not_before, created_at) with the same predicate: the relay's lease walks it in due
 *   order and stops at now + 60 s, so a row due in a month is never visited by a pass. Same size
 *   and write cost as the index it replaces (one entry per unsent row).
 */
export class AddJobTiming1764300013000 implements MigrationInterface {
  name = 'AddJobTiming1764300013000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE jobs ADD COLUMN run_at TIMESTAMPTZ, ADD COLUMN expire_at TIMESTAMPTZ,
         ADD COLUMN timeout_seconds INT,
         ADD CONSTRAINT chk_jobs_timeout_seconds CHECK (timeout_seconds > 0)`,
    );
    await q.query(
      `CREATE INDEX idx_jobs_expire_due ON jobs (expire_at) WHERE status = 'pending' AND expire_at IS NOT NULL`,
    );
    await q.query(`ALTER TABLE queue_messages ADD COLUMN not_before TIMESTAMPTZ`);
    await q.query(
      `CREATE INDEX idx_queue_messages_due ON queue_messages ((COALESCE(not_before, created_at))) WHERE sent_at IS NULL`,
    );
    await q.query(`DROP INDEX idx_queue_messages_unsent`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX idx_queue_messages_unsent ON queue_messages (created_at) WHERE sent_at IS NULL`,
    );
    await q.query(`DROP INDEX idx_queue_messages_due`);
    await q.query(`ALTER TABLE queue_messages DROP COLUMN not_before`);
    await q.query(`DROP INDEX idx_jobs_expire_due`);
    await q.query(
      `ALTER TABLE jobs DROP CONSTRAINT chk_jobs_timeout_seconds, DROP COLUMN timeout_seconds,
         DROP COLUMN expire_at, DROP COLUMN run_at`,
    );
  }
}
