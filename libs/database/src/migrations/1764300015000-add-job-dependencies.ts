import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Job dependencies (issue 14, `dependsOn`).
 *
 * - job_dependencies (job_id, depends_on_id): one row per edge, both directions readable (the
 *   primary key serves "what does this job wait for", idx_job_dependencies_depends_on "who waits
 *   for this job": the completion's probe). Edges go with either job when it is deleted.
 * - jobs.dependencies_left: how many of the job's dependencies have not completed yet. A job
 *   with dependencies_left > 0 is pending without an outbox row ("waiting"). Each completion
 *   decrements its dependents' counters under their row locks, so two dependencies completing at
 *   once in two transactions cannot both miss each other (a check of the dependencies' statuses
 *   would read a snapshot in which the other one is still processing). The default 0 keeps every
 *   existing job and every job without dependencies as before; the column is not indexed, so the
 *   transitions stay as HOT as they were.
 * - idx_jobs_waiting: the sweeper's settle pass over recently created waiting jobs (partial: a
 *   job without dependencies never enters it).
 */
export class AddJobDependencies1764300015000 implements MigrationInterface {
  name = 'AddJobDependencies1764300015000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE jobs ADD COLUMN dependencies_left INT NOT NULL DEFAULT 0,
         ADD CONSTRAINT chk_jobs_dependencies_left CHECK (dependencies_left >= 0)`,
    );
    await q.query(
      `CREATE INDEX idx_jobs_waiting ON jobs (created_at) WHERE status = 'pending' AND dependencies_left > 0`,
    );
    await q.query(`
      CREATE TABLE job_dependencies (
        job_id UUID NOT NULL,
        depends_on_id UUID NOT NULL,
        CONSTRAINT pk_job_dependencies PRIMARY KEY (job_id, depends_on_id),
        CONSTRAINT fk_job_dependencies_job FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE,
        CONSTRAINT fk_job_dependencies_depends_on FOREIGN KEY (depends_on_id) REFERENCES jobs (id) ON DELETE CASCADE,
        CONSTRAINT chk_job_dependencies_not_self CHECK (job_id <> depends_on_id)
      )`);
    await q.query(
      `CREATE INDEX idx_job_dependencies_depends_on ON job_dependencies (depends_on_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_dependencies`);
    await q.query(`DROP INDEX idx_jobs_waiting`);
    await q.query(
      `ALTER TABLE jobs DROP CONSTRAINT chk_jobs_dependencies_left, DROP COLUMN dependencies_left`,
    );
  }
}
