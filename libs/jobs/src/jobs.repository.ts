import { JobStatus, queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { JOB_COLUMNS, type JobRow, toJob } from './job-row.mapper';
import { TRANSITIONS } from './job-state-machine';
import type { CreateJobInput, FailureOutcome, Job, ListJobsFilter, Page } from './job.types';

/**
 * The only code that writes `jobs.status`. Each state change is one conditional UPDATE whose
 * WHERE clause lists the allowed from-states (see TRANSITIONS); a returned `undefined` means the
 * job was not in such a state and nothing was written. The caller decides which error that is.
 */
@Injectable()
export class JobsRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

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

  /**
   * Serializes the first uses of one user's Idempotency-Key until `m`'s transaction ends, so
   * concurrent identical requests wait for the first one instead of colliding on the unique index.
   */
  async lockIdempotencyKey(userId: string, key: string, m: EntityManager): Promise<void> {
    await queryRows(m, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `idempotency:${userId}:${key}`,
    ]);
  }

  /** Stores the fingerprint of the request that created a job under an idempotency key. */
  async setIdempotencyFingerprint(
    id: string,
    fingerprint: string,
    m: EntityManager,
  ): Promise<void> {
    await queryRows(
      m,
      `UPDATE jobs SET idempotency_fingerprint = $2 WHERE id = $1 AND idempotency_key IS NOT NULL`,
      [id, fingerprint],
    );
  }

  async list(userId: string | null, filter: ListJobsFilter): Promise<Page<Job>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (userId !== null) where.push(`user_id = $${params.push(userId)}`);
    if (filter.status?.length) where.push(`status = ANY($${params.push(filter.status)})`);
    if (filter.jobType) where.push(`job_type = $${params.push(filter.jobType)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const offset = (filter.page - 1) * filter.limit;
    const [rows, [{ total }]] = await Promise.all([
      queryRows<JobRow>(
        this.manager,
        `SELECT ${JOB_COLUMNS} FROM jobs ${clause} ORDER BY created_at DESC, id DESC
         LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, filter.limit, offset],
      ),
      queryRows<{ total: number }>(
        this.manager,
        `SELECT count(*)::int AS total FROM jobs ${clause}`,
        params,
      ),
    ]);
    return { items: rows.map(toJob), page: filter.page, limit: filter.limit, total };
  }

  /** pending → processing. A job whose cancellation was requested is never claimed. */
  claim(id: string): Promise<Job | undefined> {
    return this.transition(
      id,
      TRANSITIONS.claim.from,
      `status = 'processing', attempt = attempt + 1, started_at = now(), heartbeat_at = now(),
       completed_at = NULL, progress = 0`,
      'AND cancel_requested_at IS NULL',
    );
  }

  /** processing → completed, only for the current attempt. */
  complete(id: string, attempt: number, results: unknown): Promise<Job | undefined> {
    return this.transition(
      id,
      TRANSITIONS.complete.from,
      `status = 'completed', results = $3, completed_at = now(), progress = 100, next_retry_at = NULL, error_message = NULL`,
      'AND attempt = $2',
      [attempt, JSON.stringify(results ?? null)],
    );
  }

  /** processing → failed, only for the current attempt; a retry is scheduled when nextRetryAt is set. */
  fail(id: string, attempt: number, outcome: FailureOutcome): Promise<Job | undefined> {
    return this.transition(
      id,
      TRANSITIONS.fail.from,
      `status = 'failed', error_message = $3, next_retry_at = $4, completed_at = now()`,
      'AND attempt = $2',
      [attempt, outcome.errorMessage, outcome.nextRetryAt],
    );
  }

  /**
   * pending (or failed awaiting a retry) → cancelled at once; processing → stays processing with
   * cancel_requested_at set, so the worker aborts the handler and then calls `confirmCancelled`.
   */
  cancel(id: string): Promise<Job | undefined> {
    return this.transition(
      id,
      TRANSITIONS.cancel.from,
      `status = CASE WHEN status = 'processing' THEN status ELSE 'cancelled' END,
       completed_at = CASE WHEN status = 'processing' THEN completed_at ELSE now() END,
       next_retry_at = NULL,
       cancel_requested_at = COALESCE(cancel_requested_at, now())`,
      `AND (status <> 'failed' OR next_retry_at IS NOT NULL)`,
    );
  }

  /** processing → cancelled once the handler of the current attempt has stopped. */
  confirmCancelled(id: string, attempt: number): Promise<Job | undefined> {
    return this.transition(
      id,
      [JobStatus.Processing],
      `status = 'cancelled', completed_at = now()`,
      'AND attempt = $2 AND cancel_requested_at IS NOT NULL',
      [attempt],
    );
  }

  /** failed → pending while retries remain; counts the retry. */
  retry(id: string, maxRetries: number): Promise<Job | undefined> {
    return this.transition(
      id,
      TRANSITIONS.retry.from,
      `status = 'pending', retry_count = retry_count + 1, next_retry_at = NULL, started_at = NULL,
       completed_at = NULL, heartbeat_at = NULL, progress = 0`,
      'AND retry_count < LEAST($2::int, max_retries)',
      [maxRetries],
    );
  }

  /**
   * failed or cancelled → pending, by hand. retry_count and error_message are kept (history);
   * the cancellation request is cleared, else the worker would refuse to claim the job.
   * Run inside `m` with the outbox row that announces the job again.
   */
  requeue(id: string, m: EntityManager): Promise<Job | undefined> {
    return this.transition(
      id,
      TRANSITIONS.requeue.from,
      `status = 'pending', next_retry_at = NULL, started_at = NULL, completed_at = NULL,
       heartbeat_at = NULL, cancel_requested_at = NULL, progress = 0, results = NULL`,
      '',
      [],
      m,
    );
  }

  /** Progress and liveness of the current attempt; ignored once the attempt is stale. */
  async heartbeat(id: string, attempt: number, progress?: number): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      this.manager,
      `UPDATE jobs SET heartbeat_at = now(), progress = COALESCE($3, progress)
       WHERE id = $1 AND attempt = $2 AND status = 'processing' RETURNING id`,
      [id, attempt, progress ?? null],
    );
    return rows.length === 1;
  }

  private async transition(
    id: string,
    from: readonly JobStatus[],
    set: string,
    extraWhere = '',
    extraParams: unknown[] = [],
    m = this.manager,
  ): Promise<Job | undefined> {
    const [row] = await queryRows<JobRow>(
      m,
      `UPDATE jobs SET ${set} WHERE id = $1 AND status IN (${from.map((s) => `'${s}'`).join(', ')}) ${extraWhere}
       RETURNING ${JOB_COLUMNS}`,
      [id, ...extraParams],
    );
    return row && toJob(row);
  }
}
