/**
 * Rate limits per job type: at most `rate_limit` starts in any window of `rate_interval_seconds`,
 * across all workers (job_type_states, migration 1764300016000). Decided by the claim statement
 * under the type's row lock, so it holds whatever the number of workers; a type without a limit
 * takes no lock and costs a probe of the few rows of job_type_states.
 *
 * The window is exact, not an approximation: the row keeps the claims that started jobs of the
 * type in the last interval as (claim time, count) pairs (see WINDOW_BUCKETS), and a claim admits
 * as many of its candidates as the window has room for. (GCRA with a burst of `limit` is cheaper, one timestamp,
 * but lets up to 2 × limit − 1 start within one interval: a full burst, then one per emission
 * interval. A service that allows N calls per interval would refuse the rest.)
 *
 * The jobs not admitted do not wait in SQS (that would spend receive counts): the same statement
 * writes each a new outbox message whose not_before is its slot, and the worker deletes the
 * message it received as usual. Slots are handed out one per emission interval (interval /
 * limit) after the last one handed out (`rate_deferred_until`), so a backlog of any size is
 * spread over the time it needs once instead of being deferred again on every pass. A deferred
 * job that arrives while the window is still full (SQS delays are whole seconds) is deferred
 * again, after the others.
 */

/**
 * Pairs older than the window are kept this much longer: a claim whose transaction started
 * (now()) just before another's that took the row lock first must still count that claim's starts.
 */
const PRUNE_MARGIN_SECONDS = 1;
/**
 * The pairs of one 1/WINDOW_BUCKETS of the interval are merged into one, at the latest of their
 * times: their starts are then counted a little longer (never shorter, so the bound holds), and
 * the row holds at most about this many pairs whatever the limit.
 */
const WINDOW_BUCKETS = 1000;

/**
 * CTEs deciding the rate limits for the candidates of CTE `locked` (columns id, job_type,
 * attempt, created_at, all locked): `rate_deferred` (id, slot) lists the candidates the claim
 * must not start; they are announced again in queue `queueUrlParam`'s outbox at their slots
 * (`rate_announced`), and each limited type's window and cursor advance (`rate_advanced`).
 * Candidates are admitted oldest first.
 */
export function rateLimitCtes(locked: string, queueUrlParam: string): string {
  return `rate_held AS MATERIALIZED (
    SELECT s.job_type, s.rate_limit AS lim, make_interval(secs => s.rate_interval_seconds) AS span,
      make_interval(secs => s.rate_interval_seconds::float8 / s.rate_limit) AS step,
      s.rate_window_at AS w_at, s.rate_window_n AS w_n, s.rate_deferred_until AS deferred_until
    FROM job_type_states s
    WHERE s.rate_limit IS NOT NULL AND s.job_type IN (SELECT l.job_type FROM ${locked} l)
    ORDER BY s.job_type FOR NO KEY UPDATE
  ), rate_plan AS (
    SELECT h.*, c.n AS candidates, LEAST(c.n, GREATEST(h.lim - u.used, 0)) AS admitted,
      GREATEST(h.deferred_until, now()) AS next_slot
    FROM rate_held h
    CROSS JOIN LATERAL (
      SELECT COALESCE(sum(e.n), 0)::int AS used FROM unnest(h.w_at, h.w_n) AS e(at, n)
      WHERE e.at > now() - h.span) u
    CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM ${locked} l WHERE l.job_type = h.job_type) c
  ), rate_deferred AS (
    SELECT r.id, r.attempt, r.next_slot + r.step * (r.rank - r.admitted)::float8 AS slot FROM (
      SELECT l.id, l.attempt, p.admitted, p.next_slot, p.step,
        row_number() OVER (PARTITION BY l.job_type ORDER BY l.created_at, l.id) AS rank
      FROM ${locked} l JOIN rate_plan p USING (job_type)) r
    WHERE r.rank > r.admitted
  ), rate_announced AS (
    INSERT INTO queue_messages (job_id, queue_url, attempt, not_before)
    SELECT id, ${queueUrlParam}::varchar, attempt + 1, slot FROM rate_deferred
  ), rate_advanced AS (
    UPDATE job_type_states s SET rate_window_at = w.at, rate_window_n = w.n,
      rate_deferred_until = CASE WHEN p.candidates > p.admitted
        THEN p.next_slot + p.step * (p.candidates - p.admitted)::float8 ELSE p.deferred_until END
    FROM rate_plan p CROSS JOIN LATERAL (
      SELECT COALESCE(array_agg(b.at), '{}') AS at, COALESCE(array_agg(b.n), '{}') AS n FROM (
        SELECT max(e.at) AS at, sum(e.n)::int AS n FROM (
          SELECT e.at, e.n FROM unnest(p.w_at, p.w_n) AS e(at, n)
          WHERE e.at > now() - p.span - interval '${PRUNE_MARGIN_SECONDS} seconds'
          UNION ALL SELECT now(), p.admitted WHERE p.admitted > 0) e
        GROUP BY floor(extract(epoch FROM e.at) / extract(epoch FROM p.span) * ${WINDOW_BUCKETS})) b) w
    WHERE s.job_type = p.job_type
  )`;
}

/** SQL: the job aliased `alias` (of the claim's `locked`) was deferred by its type's rate limit. */
export function rateDeferred(alias: string): string {
  return `EXISTS (SELECT 1 FROM rate_deferred d WHERE d.id = ${alias}.id)`;
}

/** SQL: how many jobs the claim deferred (a column of the claim's result). */
export const RATE_DEFERRED_COUNT = `(SELECT count(*)::int FROM rate_deferred)`;
