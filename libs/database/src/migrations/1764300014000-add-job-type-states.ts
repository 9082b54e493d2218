import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * job_type_states: pause and resume per job type (PUT /api/v1/job-types/:type/pause). A handful
 * of rows at most; the claim statement and the resend sweep look a job's type up here by the
 * primary key, so a deployment that never paused anything pays a probe of an empty table.
 */
export class AddJobTypeStates1764300014000 implements MigrationInterface {
  name = 'AddJobTypeStates1764300014000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_type_states (
        job_type VARCHAR(50) PRIMARY KEY,
        paused_at TIMESTAMPTZ,
        paused_by VARCHAR(255),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_type_states`);
  }
}
