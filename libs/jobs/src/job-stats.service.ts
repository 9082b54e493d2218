import { JOB_STATUSES, JobStatus, queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';

export interface JobCounts {
  totalJobs: number;
  /** Every status, zero when no job is in it. */
  byStatus: Record<JobStatus, number>;
  /** The same per job type, for the types that have jobs, by name. */
  byType: { jobType: string; byStatus: Record<JobStatus, number> }[];
  /** Mean processing time (started_at → completed_at) of the completed jobs, in ms; null before the first. */
  averageProcessingMs: number | null;
  /** failed ÷ (completed + failed) × 100, one decimal; 0 before any job finished. */
  failureRatePercent: number;
}

/** How many recent completions of a type its ETA averages over. */
const RECENT_SAMPLES = 50;

/** Attempts that ended in one minute: completed jobs and failed attempts (retried or not). */
export interface ThroughputPoint {
  /** Start of the minute. */
  at: Date;
  completed: number;
  failed: number;
}

/** Failed attempts and finished attempts (failed + completed) over a window. */
export interface AttemptCounts {
  failed: number;
  finished: number;
}

/** A completed job's processing time in ms, from its own timestamps. */
const PROCESSING_MS = `extract(epoch FROM completed_at - started_at) * 1000`;

/**
 * Read-side figures over jobs and job_metrics, for the admin overview, ETAs and the failure-rate
 * alert. A completion is recorded by its row alone (completed_at, started_at, created_at; the
 * partial index idx_jobs_completed_type finds recent ones); failed attempts are job_metrics rows.
 */
@Injectable()
export class JobStatsService {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  async counts(): Promise<JobCounts> {
    const [rows, [avg]] = await Promise.all([
      queryRows<{ job_type: string; status: JobStatus; n: number }>(
        this.manager,
        `SELECT job_type, status, count(*)::int AS n FROM jobs GROUP BY job_type, status ORDER BY job_type`,
      ),
      queryRows<{ ms: number | null }>(
        this.manager,
        `SELECT avg(${PROCESSING_MS})::float8 AS ms FROM jobs WHERE status = 'completed'`,
      ),
    ]);
    const byStatus = zeroCounts();
    const byType = new Map<string, Record<JobStatus, number>>();
    for (const row of rows) {
      byStatus[row.status] += row.n;
      const ofType = byType.get(row.job_type) ?? zeroCounts();
      ofType[row.status] = row.n;
      byType.set(row.job_type, ofType);
    }
    const finished = byStatus[JobStatus.Completed] + byStatus[JobStatus.Failed];
    return {
      totalJobs: rows.reduce((n, r) => n + r.n, 0),
      byStatus,
      byType: [...byType].map(([jobType, counts]) => ({ jobType, byStatus: counts })),
      averageProcessingMs: avg.ms,
      failureRatePercent:
        finished === 0 ? 0 : Math.round((byStatus[JobStatus.Failed] / finished) * 1000) / 10,
    };
  }

  /**
   * Completions and failed attempts per minute over the last `minutes` minutes, oldest first,
   * the current (partial) minute last; a minute without any is there with zeros. Completions
   * walk idx_jobs_finished, failed attempts idx_metrics_type_time.
   */
  async throughput(minutes: number): Promise<ThroughputPoint[]> {
    const rows = await queryRows<{ at: Date; completed: number; failed: number }>(
      this.manager,
      `WITH minutes AS (
         SELECT generate_series(date_trunc('minute', now()) - make_interval(mins => $1::int - 1),
                                date_trunc('minute', now()), interval '1 minute') AS at),
       done AS (
         SELECT date_trunc('minute', completed_at) AS at, count(*)::int AS n FROM jobs
         WHERE status = 'completed'
           AND completed_at >= date_trunc('minute', now()) - make_interval(mins => $1::int - 1)
         GROUP BY 1),
       failed AS (
         SELECT date_trunc('minute', recorded_at) AS at, count(*)::int AS n FROM job_metrics
         WHERE metric_type = 'failed_attempt_ms'
           AND recorded_at >= date_trunc('minute', now()) - make_interval(mins => $1::int - 1)
         GROUP BY 1)
       SELECT minutes.at, coalesce(done.n, 0) AS completed, coalesce(failed.n, 0) AS failed
       FROM minutes LEFT JOIN done USING (at) LEFT JOIN failed USING (at) ORDER BY minutes.at`,
      [minutes],
    );
    return rows;
  }

  /**
   * The user's unfinished jobs (pending, processing, failed with a retry due), counted up to
   * `upTo`: a quota check needs no more, and a user with millions costs no more than one at it.
   */
  async unfinishedOf(userId: string, upTo: number): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      this.manager,
      `SELECT count(*)::int AS n FROM (
         SELECT 1 FROM jobs WHERE user_id = $1
           AND (status IN ('pending', 'processing') OR (status = 'failed' AND next_retry_at IS NOT NULL))
         LIMIT $2) unfinished`,
      [userId, upTo],
    );
    return row.n;
  }

  /** Mean processing time of the type's last completions, in ms; null when it has none. */
  async recentAverageProcessingMs(jobType: string): Promise<number | null> {
    const [row] = await queryRows<{ ms: number | null }>(
      this.manager,
      `SELECT avg(ms)::float8 AS ms FROM (
         SELECT ${PROCESSING_MS} AS ms FROM jobs
         WHERE status = 'completed' AND job_type = $1
         ORDER BY completed_at DESC LIMIT $2) recent`,
      [jobType, RECENT_SAMPLES],
    );
    return row.ms;
  }

  /**
   * Attempts that ended in the last `windowMs`, by the database clock: failed ones from their
   * job_metrics rows (idx_metrics_type_time), completed ones from idx_jobs_completed_type, one
   * range scan per job type (a loose index scan: PostgreSQL has no skip scan).
   */
  async attemptsEndedWithin(windowMs: number): Promise<AttemptCounts> {
    const [row] = await queryRows<AttemptCounts>(
      this.manager,
      // The cut-off is written out in each condition, not taken from a CTE: the planner can
      // estimate a comparison with now() − interval, but not one with a CTE's column (it then
      // guesses a third of the table, and the cost it derives switches JIT compilation on).
      `WITH RECURSIVE types AS (
         SELECT min(job_type) AS job_type FROM jobs WHERE status = 'completed'
         UNION ALL
         SELECT (SELECT min(j.job_type) FROM jobs j WHERE j.status = 'completed' AND j.job_type > types.job_type)
         FROM types WHERE types.job_type IS NOT NULL),
       failed AS (
         SELECT count(*)::int AS n FROM job_metrics WHERE metric_type = 'failed_attempt_ms'
           AND recorded_at > now() - make_interval(secs => $1::double precision / 1000))
       SELECT failed.n AS failed,
         failed.n + (SELECT coalesce(sum((SELECT count(*) FROM jobs j
              WHERE j.status = 'completed' AND j.job_type = types.job_type
                AND j.completed_at > now() - make_interval(secs => $1::double precision / 1000))), 0)::int
            FROM types WHERE types.job_type IS NOT NULL) AS finished
       FROM failed`,
      [windowMs],
    );
    return row;
  }
}

function zeroCounts(): Record<JobStatus, number> {
  return Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
}
