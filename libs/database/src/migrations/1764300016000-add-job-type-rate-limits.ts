import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate limits per job type (PUT /api/v1/job-types/:type/rate-limit): at most `rate_limit` starts
 * in any `rate_interval_seconds` window, across all workers, decided by the claim statement
 * under this row's lock (libs/jobs/src/rate-limits.ts).
 * - rate_window_at / rate_window_n: the starts of the last window as (claim time, count) pairs,
 *   pruned by the claim; claims within 1/1000 of the interval share a pair, so a row holds at
 *   most about a thousand.
 * - rate_deferred_until: the slot handed to the last job deferred (its outbox row's not_before);
 *   the next deferred job gets the slot one emission interval later.
 */
export class AddJobTypeRateLimits1764300016000 implements MigrationInterface {
  name = 'AddJobTypeRateLimits1764300016000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE job_type_states
        ADD COLUMN rate_limit INT,
        ADD COLUMN rate_interval_seconds INT,
        ADD COLUMN rate_window_at TIMESTAMPTZ[] NOT NULL DEFAULT '{}',
        ADD COLUMN rate_window_n INT[] NOT NULL DEFAULT '{}',
        ADD COLUMN rate_deferred_until TIMESTAMPTZ,
        ADD CONSTRAINT job_type_states_rate_limit_range CHECK (rate_limit BETWEEN 1 AND 10000),
        ADD CONSTRAINT job_type_states_rate_interval_range CHECK (rate_interval_seconds BETWEEN 1 AND 86400),
        ADD CONSTRAINT job_type_states_rate_limit_whole
          CHECK ((rate_limit IS NULL) = (rate_interval_seconds IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE job_type_states
        DROP CONSTRAINT job_type_states_rate_limit_whole,
        DROP CONSTRAINT job_type_states_rate_interval_range,
        DROP CONSTRAINT job_type_states_rate_limit_range,
        DROP COLUMN rate_deferred_until,
        DROP COLUMN rate_window_n,
        DROP COLUMN rate_window_at,
        DROP COLUMN rate_interval_seconds,
        DROP COLUMN rate_limit`);
  }
}
