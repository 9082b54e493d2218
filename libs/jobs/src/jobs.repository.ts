import { queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { JOB_COLUMNS, type JobRow, toJob } from './job-row.mapper';
import { JobsBatchService } from './jobs-batch.service';
import { listJobsSql } from './job-list-query';
import {
  type CreateJobInput,
  type FailureOutcome,
  type Job,
  type JobDependencies,
  type JobDependencyRef,
  type JobListPage,
  type ListJobsFilter,
  MAX_DEPENDENTS_SHOWN,
} from './job.types';

/**
 * Reads and inserts of single jobs, and the specification's single-job transitions as arrays of
 * one through the transitions module (JobsBatchService), which alone writes `jobs.status`. A
 * returned `undefined` means the job was not in an allowed state and nothing was written; the
 * caller decides which error that is.
 */
@Injectable()
export class JobsRepository {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly transitions: JobsBatchService,
  ) {}

  async insert(
    input: Required<Omit<CreateJobInput, 'idempotencyKey' | 'parentId'>> & CreateJobInput,
    m = this.manager,
  ): Promise<Job> {
    const [row] = await queryRows<JobRow>(
      m,
      `INSERT INTO jobs (user_id, job_type, payload, max_retries, idempotency_key, parent_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${JOB_COLUMNS}`,
      [
        input.userId,
        input.jobType,
        JSON.stringify(input.payload),
        input.maxRetries,
        input.idempotencyKey ?? null,
        input.parentId ?? null,
      ],
    );
    return toJob(row);
  }

  async findById(id: string, m = this.manager): Promise<Job | undefined> {
    const [row] = await queryRows<JobRow>(m, `SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return row && toJob(row);
  }

  /**
   * What job `id` waits for (job_dependencies' primary key) and who waits for it (its index);
   * with `userId`, only that user's jobs (an admin may have linked jobs of several users).
   */
  async dependencies(
    id: string,
    userId: string | null,
    m = this.manager,
  ): Promise<JobDependencies> {
    const rows = await queryRows<JobDependencyRef & { up: boolean }>(
      m,
      `SELECT true AS up, p.id, p.status FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_id
       WHERE d.job_id = $1 AND ($3::varchar IS NULL OR p.user_id = $3)
       UNION ALL
       (SELECT false, c.id, c.status FROM job_dependencies d JOIN jobs c ON c.id = d.job_id
        WHERE d.depends_on_id = $1 AND ($3::varchar IS NULL OR c.user_id = $3)
        ORDER BY c.created_at, c.id LIMIT $2)`,
      [id, MAX_DEPENDENTS_SHOWN, userId],
    );
    const pick = (up: boolean) =>
      rows.filter((r) => r.up === up).map(({ id, status }) => ({ id, status }));
    return { dependsOn: pick(true), dependents: pick(false) };
  }

  async findByIdempotencyKey(
    userId: string,
    key: string,
    m = this.manager,
  ): Promise<Job | undefined> {
    const [row] = await queryRows<JobRow>(
      m,
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE user_id = $1 AND idempotency_key = $2`,
      [userId, key],
    );
    return row && toJob(row);
  }

  /** See listJobsSql. `next` is the keyset after the page's last row when more rows follow. */
  async list(filter: ListJobsFilter): Promise<JobListPage> {
    const { rows: query, count } = listJobsSql(JOB_COLUMNS, filter);
    const [rows, total] = await Promise.all([
      queryRows<JobRow & { sort_key: string }>(this.manager, query.sql, query.params),
      count &&
        queryRows<{ total: number }>(this.manager, count.sql, count.params).then(
          ([row]) => row.total,
        ),
    ]);
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    const next =
      rows.length > filter.limit && last
        ? { sort: filter.sort ?? '-createdAt', key: last.sort_key, id: last.id }
        : null;
    return { items: page.map(toJob), total, next };
  }

  // The single-job transitions of the specification's model: arrays of one through the
  // transitions module, so its tests exercise the statements the worker runs.

  /** pending → processing. A job whose cancellation was requested is never claimed. */
  async claim(id: string): Promise<Job | undefined> {
    return (await this.transitions.claimMany([id], null, null)).claimed[0];
  }

  /** processing → completed, only for the current attempt. */
  async complete(id: string, attempt: number, results: unknown): Promise<Job | undefined> {
    const resultsJson = JSON.stringify(results ?? null);
    const [won] = await this.transitions.completeMany([{ id, attempt, resultsJson }]);
    return won === undefined ? undefined : this.findById(id);
  }

  /** processing → failed, only for the current attempt; a retry is due after retryDelayMs. */
  async fail(id: string, attempt: number, outcome: FailureOutcome): Promise<Job | undefined> {
    return (await this.transitions.failMany([{ id, attempt, ...outcome }]))[0];
  }

  /** See JobsBatchService.cancelMany. */
  async cancel(id: string): Promise<Job | undefined> {
    return (await this.transitions.cancelMany([id]))[0];
  }

  /** processing → cancelled once the handler of the current attempt has stopped. */
  async confirmCancelled(id: string, attempt: number): Promise<Job | undefined> {
    return (await this.transitions.confirmCancelledMany([{ id, attempt }]))[0];
  }

  /** failed → pending while retries remain; counts the retry and announces the job. */
  async retry(id: string, maxRetries: number): Promise<Job | undefined> {
    return (await this.transitions.retryMany([id], maxRetries))[0];
  }

  /** failed or cancelled → pending, by hand, with the job's next message. */
  async requeue(id: string): Promise<Job | undefined> {
    return (await this.transitions.requeueMany([id]))[0];
  }

  /** Progress and liveness of the current attempt; false once the attempt is stale. */
  async heartbeat(id: string, attempt: number, progress?: number): Promise<boolean> {
    const alive = await this.transitions.heartbeatMany([
      { id, attempt, progress: progress ?? null },
    ]);
    return alive.has(id);
  }
}
