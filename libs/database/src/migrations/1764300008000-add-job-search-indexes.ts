import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for finding any job (GET /api/v1/jobs: time ranges, payload containment, sort orders,
 * keyset pages on (sort key, id)). None of them is on a column a transition changes. No
 * global (created_at, id) index: it would cost an entry per transition, and the planner took it
 * over idx_jobs_user_created for one heavy user's export; listing every user's jobs by creation
 * time is a top-N sort over the filtered rows instead.
 *
 * What they cost a job's writes: PostgreSQL adds an entry to every index for each row version
 * that is not a HOT update, whichever columns changed. Heartbeats and progress stay HOT (no
 * indexed column changes), so they pay for none of these. The status transitions are not HOT
 * (status is indexed already), so:
 * - idx_jobs_payload (GIN, jsonb_path_ops: one hashed entry per leaf of the payload, @> only) is
 *   written at the insert and again at each transition, though the payload never changes; GIN's
 *   fast-update pending list makes those entries cheap appends, merged later by vacuum;
 * - the two finished-time indexes are partial (completed_at IS NOT NULL): only the version a
 *   job finishes with enters them, once per finish, not every transition.
 */
export class AddJobSearchIndexes1764300008000 implements MigrationInterface {
  name = 'AddJobSearchIndexes1764300008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_jobs_payload ON jobs USING gin (payload jsonb_path_ops)`);
    await q.query(
      `CREATE INDEX idx_jobs_finished ON jobs (completed_at, id) WHERE completed_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX idx_jobs_user_finished ON jobs (user_id, completed_at, id) WHERE completed_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_jobs_user_finished`);
    await q.query(`DROP INDEX idx_jobs_finished`);
    await q.query(`DROP INDEX idx_jobs_payload`);
  }
}
