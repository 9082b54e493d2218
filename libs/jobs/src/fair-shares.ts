import { JobStatus } from '@app/database';
import { typePaused } from './paused-types';
import { laneQueueSql } from './sql/job-lane';

const { Pending, Processing } = JobStatus;

/**
 * Fair shares, as SQL fragments for the statements of JobsBatchService. A user's cap on running
 * jobs is their `user_limits` row, else FAIR_SHARE_MAX_RUNNING (the `capParam` of each fragment,
 * null: none); a type's `job_type_states.max_running_per_user` caps each user's running jobs of
 * that type as well. The claim holds the jobs over a cap (a `held_jobs` row: pending, their
 * message consumed, none in flight, so no SQS receive count is spent waiting); the release
 * announces held jobs again as their user's running ones end.
 *
 * The caps are soft by a claim's width: each claim counts the running jobs its snapshot sees, so
 * claims of one user's jobs committing at the same instant on several workers can overshoot the
 * cap by what each admitted. The next claims see them and hold more; no lock serialises claims.
 */

/** The user cap of the row aliased `alias` (with a user_id): its override, else the default. */
const userCap = (alias: string, capParam: string): string =>
  `COALESCE((SELECT ul.max_running FROM user_limits ul WHERE ul.user_id = ${alias}.user_id), ${capParam}::int)`;

/**
 * Whether any cap can apply: evaluated once per statement (an initplan over two tiny tables), so
 * that a deployment capping nobody does no per-job work.
 */
const anyCap = (capParam: string): string =>
  `(${capParam}::int IS NOT NULL OR EXISTS (SELECT 1 FROM user_limits)
    OR EXISTS (SELECT 1 FROM job_type_states WHERE max_running_per_user IS NOT NULL))`;

/** Whether anything is held or released: one probe of an index that is empty when nothing is. */
const ANY_HELD = `EXISTS (SELECT 1 FROM held_jobs)`;

const running = (user: string, type?: string): string =>
  `(SELECT count(*) FROM jobs r WHERE r.user_id = ${user} AND r.status = '${Processing}'${type ? ` AND r.job_type = ${type}` : ''})`;

/**
 * Released jobs whose message is in flight: their rows have `released_at`, and their jobs are
 * still pending (a released job cancelled or expired before its claim no longer counts).
 */
const released = (user: string, type?: string): string =>
  `(SELECT count(*) FROM held_jobs x JOIN jobs xj ON xj.id = x.job_id AND xj.status = '${Pending}'
    WHERE x.user_id = ${user} AND x.released_at IS NOT NULL${type ? ` AND x.job_type = ${type}` : ''})`;

/**
 * CTEs of the claim over CTE `from` (ids of pending jobs about to be claimed): `over_share (id)`,
 * the jobs beyond their user's free share (cap − running) or their type's, oldest first within
 * each user; `share_held`, which holds them (a released job coming back over the cap is held
 * again). The claim then starts the others and deletes their rows with `shareUnheld`.
 */
export function overShare(from: string, capParam: string): string {
  return `share_jobs AS MATERIALIZED (
    SELECT j.id, j.user_id, j.job_type, j.created_at, ${userCap('j', capParam)} AS user_cap,
      (SELECT ts.max_running_per_user FROM job_type_states ts WHERE ts.job_type = j.job_type) AS type_cap
    FROM ${from} f JOIN jobs j ON j.id = f.id
    WHERE ${anyCap(capParam)}
  ), share_users AS (
    SELECT u.user_id, ${running('u.user_id')} AS running
    FROM (SELECT DISTINCT user_id FROM share_jobs WHERE user_cap IS NOT NULL) u
  ), share_types AS (
    SELECT t.user_id, t.job_type, ${running('t.user_id', 't.job_type')} AS running
    FROM (SELECT DISTINCT user_id, job_type FROM share_jobs WHERE type_cap IS NOT NULL) t
  ), over_share AS MATERIALIZED (
    SELECT s.id, s.user_id, s.job_type, s.created_at FROM (
      SELECT s.*,
        row_number() OVER (PARTITION BY s.user_id ORDER BY s.created_at, s.id) AS user_rank,
        row_number() OVER (PARTITION BY s.user_id, s.job_type ORDER BY s.created_at, s.id) AS type_rank
      FROM share_jobs s
    ) s
    LEFT JOIN share_users u USING (user_id)
    LEFT JOIN share_types t USING (user_id, job_type)
    WHERE s.user_rank > s.user_cap - u.running OR s.type_rank > s.type_cap - t.running
  ), share_held AS (
    INSERT INTO held_jobs (job_id, user_id, job_type, created_at)
    SELECT id, user_id, job_type, created_at FROM over_share
    ON CONFLICT (job_id) DO UPDATE SET held_at = now(), released_at = NULL
  )`;
}

/** CTE deleting the held_jobs rows of the jobs CTE `claimed` started (released ones, mostly). */
export function shareUnheld(claimed: string): string {
  return `share_unheld AS (
    DELETE FROM held_jobs h USING ${claimed} c WHERE h.job_id = c.id AND ${ANY_HELD}
  )`;
}

/** How many held jobs one release looks at per user when no user cap bounds it. */
const RELEASE_SCAN = 100;

/**
 * CTEs announcing held jobs again, for each user of CTE `freed (user_id, job_type, ended)`:
 * `ended` of their running jobs of that type ended in this statement (its snapshot still counts
 * them running). Each user gets up to their free share (cap − running − released and not yet
 * claimed), oldest first, among held jobs that are still pending, of a type that is not paused
 * and within that type's free share (counted the same way, ranked within this release); their
 * rows get `released_at` and the jobs a message (`share_announced`, on its lane of LaneQueues
 * `queuesParam`, a delayed job at its due time). A row another release took meanwhile is skipped.
 */
export function releaseShares(freed: string, capParam: string, queuesParam: string): string {
  return `share_room AS (
    SELECT f.user_id, CASE WHEN c.cap IS NULL THEN ${RELEASE_SCAN}
      ELSE GREATEST(0, c.cap + f.ended - ${running('f.user_id')} - ${released('f.user_id')}) END AS room
    FROM (SELECT user_id, sum(ended)::int AS ended FROM ${freed} GROUP BY user_id) f
    CROSS JOIN LATERAL (SELECT ${userCap('f', capParam)} AS cap) c
  ), share_pick AS MATERIALIZED (
    SELECT p.job_id FROM share_room r CROSS JOIN LATERAL (
      SELECT c.job_id FROM (
        SELECT h.job_id, h.created_at, h.job_type,
          row_number() OVER (PARTITION BY h.job_type ORDER BY h.created_at) AS type_rank,
          (SELECT ts.max_running_per_user FROM job_type_states ts WHERE ts.job_type = h.job_type) AS type_cap
        FROM (
          SELECT h.job_id, h.created_at, h.job_type FROM held_jobs h
          JOIN jobs hj ON hj.id = h.job_id AND hj.status = '${Pending}'
          WHERE h.user_id = r.user_id AND h.released_at IS NULL AND NOT ${typePaused('h')}
          ORDER BY h.created_at LIMIT r.room + ${RELEASE_SCAN}
        ) h
      ) c
      WHERE c.type_cap IS NULL OR c.type_rank <= c.type_cap
        - ${running('r.user_id', 'c.job_type')} - ${released('r.user_id', 'c.job_type')}
        + COALESCE((SELECT sum(e.ended) FROM ${freed} e WHERE e.user_id = r.user_id AND e.job_type = c.job_type), 0)
      ORDER BY c.created_at LIMIT r.room
    ) p WHERE r.room > 0
  ), share_released AS (
    UPDATE held_jobs h SET released_at = now()
    FROM share_pick p JOIN jobs j ON j.id = p.job_id AND j.status = '${Pending}'
    WHERE h.job_id = p.job_id AND h.released_at IS NULL
    RETURNING j.id, j.attempt, j.run_at, j.priority
  ), share_announced AS (
    INSERT INTO queue_messages (job_id, queue_url, attempt, not_before)
    SELECT id, ${laneQueueSql('priority', queuesParam)}, attempt + 1, CASE WHEN run_at > now() THEN run_at END
    FROM share_released
  )`;
}

/**
 * CTE `share_freed (user_id, job_type, ended)` over the rows of CTE `ended` (with user_ids and
 * job types), only while something is held: else the release that follows has no user to look at.
 */
export function sharesFreedBy(ended: string): string {
  return `share_freed AS (
    SELECT user_id, job_type, count(*)::int AS ended FROM ${ended}
    WHERE EXISTS (SELECT 1 FROM held_jobs WHERE released_at IS NULL)
    GROUP BY user_id, job_type
  )`;
}

/**
 * CTE deleting the held_jobs rows of the jobs of CTE `ended` (cancelled or expired while held or
 * released): they will not be claimed, and must count against no one's share.
 */
export function shareForgotten(ended: string): string {
  return `share_forgotten AS (
    DELETE FROM held_jobs h USING ${ended} e WHERE h.job_id = e.id AND ${ANY_HELD}
  )`;
}

/**
 * CTE `share_freed (user_id, job_type, ended)`: every user with held jobs (a skip scan of
 * idx_held_jobs_waiting, one probe per user), for the sweeper's pass that catches whatever ended
 * outside completions and failures (a stall, a stop, a cancel, a raised cap).
 */
export const HELD_USERS = `share_users_held AS (
    WITH RECURSIVE u AS (
      (SELECT user_id FROM held_jobs WHERE released_at IS NULL ORDER BY user_id LIMIT 1)
      UNION ALL
      SELECT (SELECT h.user_id FROM held_jobs h WHERE h.released_at IS NULL AND h.user_id > u.user_id
              ORDER BY h.user_id LIMIT 1)
      FROM u WHERE u.user_id IS NOT NULL
    ) SELECT user_id FROM u WHERE user_id IS NOT NULL
  ), share_freed AS (SELECT user_id, NULL::varchar AS job_type, 0 AS ended FROM share_users_held)`;

/** SQL: the job aliased `alias` waits held over its user's share (no message in flight). */
export const isHeld = (alias: string): string =>
  `EXISTS (SELECT 1 FROM held_jobs h WHERE h.job_id = ${alias}.id AND h.released_at IS NULL)`;
