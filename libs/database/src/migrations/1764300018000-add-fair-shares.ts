import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fair shares: caps on the jobs one user has running at once (FAIR_SHARE_MAX_RUNNING, a per-user
 * override in `user_limits`, a per-type cap in job_type_states.max_running_per_user). A job the
 * claim finds over its user's share is held: a `held_jobs` row, its message consumed, none in
 * flight. The share release (in the statements that end a user's running jobs, and the sweeper)
 * announces held jobs and marks their rows `released_at`; the claim deletes the row. A table of
 * its own rather than columns of `jobs`: holding a backlog of thousands writes these narrow rows,
 * not a new version of each job and its dozen index entries. No foreign key: its check would
 * lock each job row a second time in the claim that already holds it (a MultiXact per job); a
 * row whose job is gone is dropped by the release that finds it.
 */
export class AddFairShares1764300018000 implements MigrationInterface {
  name = 'AddFairShares1764300018000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE held_jobs (
        job_id UUID PRIMARY KEY,
        user_id VARCHAR(255) NOT NULL,
        job_type VARCHAR(50) NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        held_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        released_at TIMESTAMPTZ
      )`);
    await q.query(
      `CREATE INDEX idx_held_jobs_waiting ON held_jobs (user_id, created_at) WHERE released_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX idx_held_jobs_released ON held_jobs (user_id) WHERE released_at IS NOT NULL`,
    );
    await q.query(`
      ALTER TABLE job_type_states ADD COLUMN max_running_per_user INT,
        ADD CONSTRAINT chk_job_type_states_max_running CHECK (max_running_per_user > 0)`);
    await q.query(`
      CREATE TABLE user_limits (
        user_id VARCHAR(255) PRIMARY KEY,
        max_running INT NOT NULL CONSTRAINT chk_user_limits_max_running CHECK (max_running > 0),
        updated_by VARCHAR(255),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE user_limits`);
    await q.query(
      `ALTER TABLE job_type_states DROP CONSTRAINT chk_job_type_states_max_running, DROP COLUMN max_running_per_user`,
    );
    await q.query(`DROP TABLE held_jobs`);
  }
}
