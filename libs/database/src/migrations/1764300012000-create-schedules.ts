import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * schedules: recurring jobs (cron expression + IANA time zone + job type + payload), one row each.
 * The worker's ScheduleTicker claims due rows with FOR UPDATE SKIP LOCKED and, in the same
 * transaction, submits the tick's job and moves next_run_at on: one job per tick whatever the
 * number of workers. `next_run_at` is the tick itself (what the api shows, and the tick's
 * idempotency key); `due_at` is that tick plus a random 0..jitter_seconds, when the job is
 * submitted. `idx_schedules_due` serves the ticker's one idle query (min due_at of the unpaused
 * rows). The system's own schedules (user_id 'system', e.g. the clean-up) are found by name,
 * unique among them, so workers starting together seed one row.
 */
export class CreateSchedules1764300012000 implements MigrationInterface {
  name = 'CreateSchedules1764300012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE schedules (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id varchar(255) NOT NULL,
        name varchar(100),
        cron varchar(100) NOT NULL,
        time_zone varchar(64) NOT NULL DEFAULT 'UTC',
        job_type varchar(50) NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        jitter_seconds int NOT NULL DEFAULT 0,
        paused boolean NOT NULL DEFAULT false,
        next_run_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        last_run_at timestamptz,
        last_job_id uuid,
        last_error varchar(1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_schedules PRIMARY KEY (id),
        CONSTRAINT chk_schedules_jitter CHECK (jitter_seconds BETWEEN 0 AND 3600),
        CONSTRAINT chk_schedules_due CHECK (due_at >= next_run_at)
      )`);
    await q.query(`CREATE INDEX idx_schedules_due ON schedules (due_at) WHERE NOT paused`);
    await q.query(`CREATE INDEX idx_schedules_user_created ON schedules (user_id, created_at, id)`);
    await q.query(
      `CREATE UNIQUE INDEX uq_schedules_system_name ON schedules (name) WHERE user_id = 'system'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE schedules`);
  }
}
