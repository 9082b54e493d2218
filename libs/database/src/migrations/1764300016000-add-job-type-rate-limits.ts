import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate limits per job type (PUT /api/v1/job-types/:type/rate-limit): at most `rate_limit` starts
 * in any `rate_interval_seconds` window, across all workers, decided by the claim statement
 * under this row's lock (libs/jobs/src/rate-limits.ts, and the function below).
 * - rate_window_at / rate_window_n: the starts of the last window as (claim time, count) pairs.
 * - rate_deferred_until: the slot handed to the last job deferred (its outbox row's not_before);
 *   the next deferred job gets the slot one emission interval later.
 */
/**
 * job_type_rate_defer(type, ids, attempts, queue_urls): called by the claim statement for the
 * candidates of one rate-limited type, oldest first (libs/jobs/src/rate-limits.ts). Locks the
 * type's row, admits as many as the window has room for, writes the others an outbox message at
 * their slots, each on its own queue (its lane; one emission interval, interval / limit, apart after rate_deferred_until), records
 * the admitted starts and the cursor, and returns the ids it deferred. A function so that the
 * claim of a type without a limit never plans or starts these statements: it only looks the
 * type up. Each statement here takes a fresh snapshot, so it reads the row as it is once locked.
 *
 * The window: pairs older than the interval are kept 1 s longer (a claim whose transaction began
 * just before another's that locked the row first must still count its starts); pairs within
 * 1/1000 of the interval merge at the later time (counted longer, never shorter), so a row holds
 * about a thousand pairs at most whatever the limit.
 */
const RATE_DEFER = `
  CREATE FUNCTION job_type_rate_defer(v_type varchar, v_ids uuid[], v_attempts int[], v_queue_urls varchar[])
  RETURNS SETOF uuid LANGUAGE plpgsql VOLATILE AS $fn$
  DECLARE
    s job_type_states%ROWTYPE;
    v_span interval;
    v_step interval;
    v_used int;
    v_admitted int;
    v_next timestamptz;
  BEGIN
    SELECT * INTO s FROM job_type_states t
    WHERE t.job_type = v_type AND t.rate_limit IS NOT NULL FOR NO KEY UPDATE;
    IF NOT FOUND THEN RETURN; END IF; -- the limit was removed meanwhile
    v_span := make_interval(secs => s.rate_interval_seconds);
    v_step := make_interval(secs => s.rate_interval_seconds::float8 / s.rate_limit);
    SELECT COALESCE(sum(e.n), 0) INTO v_used
    FROM unnest(s.rate_window_at, s.rate_window_n) AS e(at, n) WHERE e.at > now() - v_span;
    v_admitted := LEAST(cardinality(v_ids), GREATEST(s.rate_limit - v_used, 0));
    v_next := GREATEST(s.rate_deferred_until, now());
    UPDATE job_type_states t SET rate_window_at = w.at, rate_window_n = w.n,
      rate_deferred_until = CASE WHEN cardinality(v_ids) > v_admitted
        THEN v_next + v_step * (cardinality(v_ids) - v_admitted)::float8 ELSE t.rate_deferred_until END
    FROM (
      SELECT COALESCE(array_agg(b.at), '{}') AS at, COALESCE(array_agg(b.n), '{}') AS n FROM (
        SELECT max(e.at) AS at, sum(e.n)::int AS n FROM (
          SELECT e.at, e.n FROM unnest(s.rate_window_at, s.rate_window_n) AS e(at, n)
          WHERE e.at > now() - v_span - interval '1 second'
          UNION ALL SELECT now(), v_admitted WHERE v_admitted > 0) e
        GROUP BY floor(extract(epoch FROM e.at) / s.rate_interval_seconds * 1000)) b) w
    WHERE t.job_type = v_type;
    RETURN QUERY
      INSERT INTO queue_messages (job_id, queue_url, attempt, not_before)
      SELECT d.id, d.queue_url, d.attempt + 1, v_next + v_step * (d.ord - v_admitted)::float8
      FROM unnest(v_ids, v_attempts, v_queue_urls) WITH ORDINALITY AS d(id, attempt, queue_url, ord)
      WHERE d.ord > v_admitted
      RETURNING job_id;
  END
  $fn$`;

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
    await q.query(RATE_DEFER);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION job_type_rate_defer(varchar, uuid[], int[], varchar[])`);
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
