// No Nest or TypeORM import: statement fragments only, like the rest of sql/.
import { JobStatus } from '@app/database';
import { target } from '../transition-sql';

const { Pending, Failed, Cancelled } = JobStatus;

/**
 * SQL of job dependencies (table job_dependencies, column jobs.dependencies_left), as CTEs that
 * the transitions of JobsBatchService append to their own statements, so that a dependency's
 * change and its dependents' changes are one statement: nothing can crash between them.
 *
 * A job whose dependencies_left is above 0 is "waiting": pending with no outbox row, so no
 * message, no claim and no receive count; the resend sweep and resume leave it alone.
 */

/** A dependency (alias `alias`) that will never complete unless re-queued by hand. */
export function endedForGood(alias: string): string {
  return `(${alias}.status = '${Cancelled}' OR (${alias}.status = '${Failed}' AND ${alias}.next_retry_at IS NULL))`;
}

/** The job aliased `alias` still waits for a dependency. */
export function waitingForDependencies(alias: string): string {
  return `(${alias}.dependencies_left > 0)`;
}

/**
 * The ids of the jobs that depend on the row aliased `alias`: an ARRAY sublink, which the
 * planner never turns into a join, so it is one probe of idx_job_dependencies_depends_on per row
 * whatever the table's statistics say (a hash join over a seq scan of every edge, chosen while
 * the statistics think the table is empty, would cost each completion the whole table).
 */
function dependentsOf(alias: string): string {
  return `ARRAY(SELECT d.job_id FROM job_dependencies d WHERE d.depends_on_id = ${alias}.id)`;
}

/**
 * CTEs `freed_edges`, `freed_locked`, `freed` and `freed_announced`: every job that depends on
 * a job of CTE `from` (just completed) counts those dependencies off (dependencies_left), under
 * its row lock taken in id order; a pending dependent left with none gets its outbox row for
 * queue `queueUrlParam` (not before its own runAt: a delayed job with dependencies starts at the
 * later of both). Counting under the dependent's row lock is what makes two dependencies that
 * complete at once in two transactions both count: the second decrement waits for the first and
 * reads its result. A completion without dependents pays the probe of
 * idx_job_dependencies_depends_on per job and nothing else.
 */
export function announceDependents(from: string, queueUrlParam: string): string {
  return `freed_edges AS MATERIALIZED (
    SELECT e.id, count(*)::int AS n FROM ${from} f CROSS JOIN LATERAL unnest(${dependentsOf('f')}) AS e(id)
    GROUP BY e.id
  ), freed_locked AS MATERIALIZED (
    SELECT c.id FROM jobs c WHERE c.id IN (SELECT id FROM freed_edges) ORDER BY c.id FOR NO KEY UPDATE
  ), freed AS (
    UPDATE jobs c SET dependencies_left = GREATEST(c.dependencies_left - e.n, 0)
    FROM freed_locked JOIN freed_edges e USING (id) WHERE c.id = freed_locked.id
    RETURNING c.id, c.attempt, c.status, c.dependencies_left, c.run_at
  ), freed_announced AS (
    INSERT INTO queue_messages (job_id, queue_url, attempt, not_before)
    SELECT id, ${queueUrlParam}::varchar, attempt + 1, CASE WHEN run_at > now() THEN run_at END
    FROM freed WHERE status = '${Pending}' AND dependencies_left = 0
  )`;
}

/**
 * CTEs `doomed`, `doomed_locked` and `doomed_cancelled`: every pending job that depends, directly
 * or through other pending dependents (recursively), on a job of CTE `from` matching `where`
 * (its columns unqualified) is cancelled, its error_message naming that dependency (`root`),
 * what happened to it (`how`, an SQL text expression over the `from` row) and, for a job further
 * down, the dependency it waited for directly. Rows are locked in id order; one the statement
 * cannot lock at once is waited for (dependents are only ever locked parent first).
 */
export function cancelDependents(from: string, where: string, how: string): string {
  return `doomed AS (
    SELECT DISTINCT ON (id) id, root, via, how FROM (
      WITH RECURSIVE walk(id, root, via, how) AS (
        SELECT e.id, f.id, f.id, (${how})::text
        FROM (SELECT * FROM ${from} WHERE ${where}) f CROSS JOIN LATERAL unnest(${dependentsOf('f')}) AS e(id)
        UNION
        SELECT e.id, w.root, w.id, w.how FROM walk w CROSS JOIN LATERAL unnest(${dependentsOf('w')}) AS e(id)
        JOIN jobs c ON c.id = e.id AND c.status = '${Pending}'
      )
      SELECT * FROM walk
    ) w ORDER BY id, (via = root) DESC
  ), doomed_locked AS MATERIALIZED (
    SELECT c.id FROM jobs c WHERE c.id IN (SELECT id FROM doomed) AND c.status = '${Pending}'
    ORDER BY c.id FOR NO KEY UPDATE
  ), doomed_cancelled AS (
    UPDATE jobs c SET status = ${target('cancel', Cancelled)}, completed_at = now(), next_retry_at = NULL,
      cancel_requested_at = COALESCE(c.cancel_requested_at, now()),
      error_message = 'Cancelled: its dependency ' || x.root || ' ' || x.how
        || CASE WHEN x.via <> x.root THEN ' (it waited for ' || x.via || ', cancelled for that reason)' ELSE '' END
    FROM doomed_locked JOIN doomed x USING (id) WHERE c.id = doomed_locked.id AND c.status = '${Pending}'
    RETURNING c.id
  )`;
}

/** The `how` of a dependency row (alias f) that just ended for good. */
export const ENDED_HOW = `CASE WHEN f.status = '${Failed}' THEN 'failed for good' ELSE 'was cancelled' END`;

/**
 * The settle pass ($1: window in ms, $2: limit, $3: queue url): waiting jobs created within the
 * window whose counter is behind their dependencies' statuses get it lowered (LEAST: a count
 * from this statement's snapshot never exceeds the truth, so it cannot undo a concurrent
 * completion's decrement) and, at 0, their outbox row; one with a dependency that ended for good
 * is cancelled, with its dependents. It repairs the one race the submission's share lock leaves
 * (see JobSubmissionService.writeWithDependencies), which only a job created moments before
 * its dependency finished can meet: hence the window, over idx_jobs_waiting, newest first (an
 * older job of the window was looked at by earlier passes already).
 */
export function settleWaitingStatement(): string {
  return `WITH waiting AS MATERIALIZED (
      SELECT j.id FROM jobs j WHERE j.status = '${Pending}' AND ${waitingForDependencies('j')}
        AND j.created_at > now() - make_interval(secs => $1::int / 1000.0)
      ORDER BY j.created_at DESC LIMIT $2
    ), counts AS MATERIALIZED (
      SELECT w.id, (count(*) FILTER (WHERE p.status <> '${JobStatus.Completed}'))::int AS n,
        min(p.id::text) FILTER (WHERE ${endedForGood('p')}) AS ended
      FROM waiting w JOIN job_dependencies d ON d.job_id = w.id JOIN jobs p ON p.id = d.depends_on_id
      GROUP BY w.id
    ), locked AS MATERIALIZED (
      SELECT j.id FROM jobs j JOIN counts c USING (id) WHERE c.ended IS NOT NULL OR c.n < j.dependencies_left
      ORDER BY j.id FOR NO KEY UPDATE SKIP LOCKED
    ), settled AS (
      UPDATE jobs j SET dependencies_left = LEAST(j.dependencies_left, c.n),
        status = CASE WHEN c.ended IS NULL THEN j.status ELSE ${target('cancel', Cancelled)} END,
        completed_at = CASE WHEN c.ended IS NULL THEN j.completed_at ELSE now() END,
        cancel_requested_at = CASE WHEN c.ended IS NULL THEN j.cancel_requested_at ELSE now() END,
        error_message = CASE WHEN c.ended IS NULL THEN j.error_message
          ELSE 'Cancelled: its dependency ' || c.ended || ' ended without completing' END
      FROM locked JOIN counts c USING (id) WHERE j.id = locked.id AND j.status = '${Pending}'
      RETURNING j.id, j.attempt, j.status, j.dependencies_left, j.run_at, j.next_retry_at
    ), settled_announced AS (
      INSERT INTO queue_messages (job_id, queue_url, attempt, not_before)
      SELECT id, $3::varchar, attempt + 1, CASE WHEN run_at > now() THEN run_at END
      FROM settled WHERE status = '${Pending}' AND dependencies_left = 0
    ), ${cancelDependents('settled', `status = '${Cancelled}'`, `'was cancelled'`)}
    SELECT (count(*) FILTER (WHERE status = '${Pending}'))::int AS announced,
      (count(*) FILTER (WHERE status = '${Cancelled}'))::int AS cancelled
    FROM settled`;
}
