import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Columns the failure model needs:
 * - jobs.held_by: the worker that claimed the current attempt, so a job is declared stalled only
 *   when its worker is gone too (a frozen database makes every heartbeat late, not every worker dead);
 * - jobs.stall_count: attempts lost with their worker; they are re-run without spending a retry,
 *   up to max_retries of them (a job that kills its worker every time must still end);
 * - queue_messages.leased_until: the relay leases unsent rows instead of holding a transaction
 *   open across the SQS call (a frozen SQS must not pin a connection "idle in transaction");
 * - queue_messages.delay_seconds: SQS DelaySeconds of the message (0-900);
 * - queue_messages.reason: for rows addressed to the DLQ, why the job was dead-lettered.
 */
export class AddFaultToleranceColumns1764300006000 implements MigrationInterface {
  name = 'AddFaultToleranceColumns1764300006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN held_by VARCHAR(255)`);
    await q.query(`ALTER TABLE jobs ADD COLUMN stall_count INT NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE queue_messages ADD COLUMN leased_until TIMESTAMPTZ`);
    await q.query(`ALTER TABLE queue_messages ADD COLUMN delay_seconds INT NOT NULL DEFAULT 0`);
    await q.query(
      `ALTER TABLE queue_messages ADD CONSTRAINT chk_queue_messages_delay_seconds CHECK (delay_seconds BETWEEN 0 AND 900)`,
    );
    await q.query(`ALTER TABLE queue_messages ADD COLUMN reason TEXT`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE queue_messages DROP COLUMN reason`);
    await q.query(`ALTER TABLE queue_messages DROP COLUMN delay_seconds`);
    await q.query(`ALTER TABLE queue_messages DROP COLUMN leased_until`);
    await q.query(`ALTER TABLE jobs DROP COLUMN stall_count`);
    await q.query(`ALTER TABLE jobs DROP COLUMN held_by`);
  }
}
