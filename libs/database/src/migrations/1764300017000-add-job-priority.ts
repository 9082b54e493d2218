import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Job priorities (issue 14): jobs.priority, 0 (ordinary, the default) to 9 (most urgent). The
 * priority decides where a job's outbox rows go (a job above 0 is announced on the priority lane,
 * SQS_PRIORITY_QUEUE_URL, when one is configured) and the order in which a worker's claimed jobs
 * take its free slots. No index: nothing scans jobs by priority (GET /jobs filters by it within
 * the caller's other conditions). A NOT NULL column with a constant default is a catalogue-only
 * change in PostgreSQL 11+, so adding it rewrites nothing; the value lives in the row, so the
 * transitions stay HOT-eligible as before.
 */
export class AddJobPriority1764300017000 implements MigrationInterface {
  name = 'AddJobPriority1764300017000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE jobs ADD COLUMN priority SMALLINT NOT NULL DEFAULT 0,
         ADD CONSTRAINT chk_jobs_priority CHECK (priority BETWEEN 0 AND 9)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP CONSTRAINT chk_jobs_priority, DROP COLUMN priority`);
  }
}
