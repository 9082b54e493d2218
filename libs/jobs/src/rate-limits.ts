import { laneQueueSql } from './sql/job-lane';

/**
 * Rate limits per job type: at most `rate_limit` starts in any window of `rate_interval_seconds`,
 * across all workers (job_type_states, migration 1764300016000). Decided by the claim statement
 * under the type's row lock, so it holds whatever the number of workers; a type without a limit
 * takes no lock and costs a probe of the few rows of job_type_states.
 *
 * The window is exact, not an approximation: the row keeps the claims that started jobs of the
 * type in the last interval as (claim time, count) pairs, and a claim admits as many of its
 * candidates as the window has room for (pairs close in time merge at the later time, so the
 * row stays small and the bound still holds). GCRA with a burst of `limit` is cheaper, one
 * timestamp, but lets up to 2 × limit − 1 start within one interval: a full burst, then one per
 * emission interval; a service that allows N calls per interval would refuse the rest.
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
 * A CTE `rate_deferred` (id): the candidates of CTE `locked` (columns id, job_type, attempt,
 * created_at, priority, all locked) that their type's rate limit holds back. For each rate-limited type
 * among them, oldest first, job_type_rate_defer (migration 1764300016000) locks the type's row,
 * admits what the window has room for, writes the others their outbox messages (each on its
 * lane of LaneQueues `queuesParam`) at their slots and advances the window and the cursor. Types without a limit
 * cost the look-up in job_type_states and nothing else: the function is not called.
 */
export function rateLimitCtes(locked: string, queuesParam: string): string {
  return `rate_deferred AS MATERIALIZED (
    SELECT d.id FROM (
      SELECT l.job_type, array_agg(l.id ORDER BY l.created_at, l.id) AS ids,
        array_agg(l.attempt ORDER BY l.created_at, l.id) AS attempts,
        array_agg(${laneQueueSql('l.priority', queuesParam)} ORDER BY l.created_at, l.id) AS queues
      FROM ${locked} l
      WHERE l.job_type IN (SELECT s.job_type FROM job_type_states s WHERE s.rate_limit IS NOT NULL)
      GROUP BY l.job_type ORDER BY l.job_type) c
    CROSS JOIN LATERAL job_type_rate_defer(c.job_type, c.ids, c.attempts, c.queues) AS d(id)
  )`;
}

/** SQL: the job aliased `alias` (of the claim's `locked`) was deferred by its type's rate limit. */
export function rateDeferred(alias: string): string {
  return `EXISTS (SELECT 1 FROM rate_deferred d WHERE d.id = ${alias}.id)`;
}

/** SQL: how many jobs the claim deferred (a column of the claim's result). */
export const RATE_DEFERRED_COUNT = `(SELECT count(*)::int FROM rate_deferred)`;
