import { JOB_STATUSES, JobStatus, queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';

export interface JobCounts {
  totalJobs: number;
  /** Every status, zero when no job is in it. */
  byStatus: Record<JobStatus, number>;
  /** Mean of every recorded processing time (job_metrics `processing_time_ms`), in ms; null before the first. */
  averageProcessingMs: number | null;
  /** failed ÷ (completed + failed) × 100, one decimal; 0 before any job finished. */
  failureRatePercent: number;
}

/** How many recent completions of a type its ETA averages over. */
const RECENT_SAMPLES = 50;

/** Read-side figures over jobs and job_metrics, for the admin overview and ETAs. */
@Injectable()
export class JobStatsService {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  async counts(): Promise<JobCounts> {
    const [byStatusRows, [avg]] = await Promise.all([
      queryRows<{ status: JobStatus; n: number }>(
        this.manager,
        `SELECT status, count(*)::int AS n FROM jobs GROUP BY status`,
      ),
      queryRows<{ ms: number | null }>(
        this.manager,
        `SELECT avg(metric_value)::float8 AS ms FROM job_metrics WHERE metric_type = 'processing_time_ms'`,
      ),
    ]);
    const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<
      JobStatus,
      number
    >;
    for (const row of byStatusRows) byStatus[row.status] = row.n;
    const finished = byStatus[JobStatus.Completed] + byStatus[JobStatus.Failed];
    return {
      totalJobs: byStatusRows.reduce((n, r) => n + r.n, 0),
      byStatus,
      averageProcessingMs: avg.ms,
      failureRatePercent:
        finished === 0 ? 0 : Math.round((byStatus[JobStatus.Failed] / finished) * 1000) / 10,
    };
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
      `SELECT avg(metric_value)::float8 AS ms FROM (
         SELECT metric_value FROM job_metrics
         WHERE metric_type = 'processing_time_ms' AND job_type = $1
         ORDER BY recorded_at DESC LIMIT $2) recent`,
      [jobType, RECENT_SAMPLES],
    );
    return row.ms;
  }
}
