import { JobStatus, queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { JOB_COLUMNS, type JobRow, toJob } from './job-row.mapper';
import { type AttemptRef, JobsBatchService } from './jobs-batch.service';
import type { Job, Page } from './job.types';

/** Which dead jobs an operator means: some ids, one type, or all of them. */
export type DeadJobSelector = { jobIds: readonly string[] } | { jobType: string } | { all: true };

/**
 * Dead jobs: failed for good (no retry scheduled), the jobs whose messages sit in the DLQ.
 * PostgreSQL is the source of truth for them; the DLQ copy is for SQS tooling and alarms.
 */
@Injectable()
export class DeadJobsService {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly transitions: JobsBatchService,
  ) {}

  async list(filter: { jobType?: string; page: number; limit: number }): Promise<Page<Job>> {
    const params: unknown[] = [];
    const byType = filter.jobType ? `AND job_type = $${params.push(filter.jobType)}` : '';
    const where = `WHERE status = '${JobStatus.Failed}' AND next_retry_at IS NULL ${byType}`;
    const [rows, [{ total }]] = await Promise.all([
      queryRows<JobRow>(
        this.manager,
        `SELECT ${JOB_COLUMNS} FROM jobs ${where} ORDER BY completed_at DESC NULLS LAST, id DESC
         LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, filter.limit, (filter.page - 1) * filter.limit],
      ),
      queryRows<{ total: number }>(
        this.manager,
        `SELECT count(*)::int AS total FROM jobs ${where}`,
        params,
      ),
    ]);
    return { items: rows.map(toJob), page: filter.page, limit: filter.limit, total };
  }

  /**
   * The `requeue` transition for the selected dead jobs, with their next outbox messages (nudge
   * the outbox after). retry_count is kept: a re-driven job runs once more, and goes back to the
   * DLQ if it fails again. Returns the jobs re-queued.
   */
  async redrive(selector: DeadJobSelector, limit = 10_000): Promise<AttemptRef[]> {
    const params: unknown[] = [limit];
    const filter =
      'jobIds' in selector
        ? `AND id = ANY($${params.push(selector.jobIds)}::uuid[])`
        : 'jobType' in selector
          ? `AND job_type = $${params.push(selector.jobType)}`
          : '';
    const dead = await queryRows<{ id: string }>(
      this.manager,
      `SELECT id FROM jobs WHERE status = '${JobStatus.Failed}' AND next_retry_at IS NULL ${filter}
       ORDER BY completed_at LIMIT $1`,
      params,
    );
    const requeued = await this.transitions.requeueMany(
      dead.map((d) => d.id),
      { deadOnly: true },
    );
    return requeued.map((j) => ({ id: j.id, attempt: j.attempt }));
  }
}
