import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a job's transitions cost PostgreSQL:
 * - a completion writes its row and nothing else (no metric or log rows): processing time and
 *   queue wait are the row's timestamps, found for ETAs and the failure rate through
 *   idx_jobs_completed_type (a partial index: only the completion adds an entry to it);
 * - idx_jobs_stalled keys processing jobs by their worker instead of their heartbeat, so a
 *   heartbeat or progress update changes no indexed column and can be a HOT update, which
 *   fillfactor 90 leaves room for on the row's page;
 * - queue_messages rows are updated in place twice after their insert (lease, then sent);
 *   fillfactor 75 keeps the lease update on the row's page (HOT: leased_until is not indexed).
 */
export class LeanJobTransitions1764300007000 implements MigrationInterface {
  name = 'LeanJobTransitions1764300007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_jobs_stalled`);
    await q.query(`CREATE INDEX idx_jobs_stalled ON jobs(held_by) WHERE status = 'processing'`);
    await q.query(
      `CREATE INDEX idx_jobs_completed_type ON jobs(job_type, completed_at) WHERE status = 'completed'`,
    );
    await q.query(`ALTER TABLE jobs SET (fillfactor = 90)`);
    await q.query(`ALTER TABLE queue_messages SET (fillfactor = 75)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE queue_messages RESET (fillfactor)`);
    await q.query(`ALTER TABLE jobs RESET (fillfactor)`);
    await q.query(`DROP INDEX idx_jobs_completed_type`);
    await q.query(`DROP INDEX idx_jobs_stalled`);
    await q.query(
      `CREATE INDEX idx_jobs_stalled ON jobs(heartbeat_at) WHERE status = 'processing'`,
    );
  }
}
