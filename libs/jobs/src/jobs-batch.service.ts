import { queryRows, type SqlStatement } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { JOB_COLUMNS, type JobRow, toJob } from './job-row.mapper';
import type { CreateJobInput, Job } from './job.types';

export interface AttemptRef {
  id: string;
  attempt: number;
}
export interface Completion extends AttemptRef {
  /** The result as JSON text PostgreSQL accepts (see the processor's storableJson). */
  resultsJson: string;
}
export interface Failure extends AttemptRef {
  errorMessage: string;
  /** Retry this long after the failure is recorded, by the database clock; null: failed for good. */
  retryDelayMs: number | null;
}
export interface StalledJob extends Job {
  /** true: re-queued at once without spending a retry; false: failed for good or cancelled. */
  requeued: boolean;
}
export interface Beat extends AttemptRef {
  progress: number | null;
}
export interface LogLine {
  jobId: string;
  attempt: number | null;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  source: 'api' | 'worker' | 'lambda' | 'system';
}

/**
 * A CTE that locks the listed jobs (ids in $1) in id order before a batch UPDATE touches them.
 * An UPDATE … FROM unnest(…) locks rows in whatever order its plan visits them, so two batches
 * over overlapping jobs (a heartbeat and a completion, from two processes) could deadlock.
 * Taken in one order, they queue instead. NO KEY UPDATE is what an UPDATE takes anyway: it
 * leaves inserts of logs, metrics and outbox rows (foreign keys to jobs) unblocked.
 */
function lockInIdOrder(status: string): string {
  return `locked AS MATERIALIZED (
    SELECT id FROM jobs WHERE id = ANY($1::uuid[]) AND status = '${status}'
    ORDER BY id FOR NO KEY UPDATE)`;
}

/**
 * A processing job (alias s) whose heartbeat is older than $1 ms and whose worker is gone: no
 * presence row fresher than that, or a fresh one while this job's heartbeat lags it by as much
 * (the worker is alive but no longer holds the job).
 */
const STALLED = `s.status = 'processing' AND s.heartbeat_at < now() - make_interval(secs => $1::int / 1000.0)
  AND NOT EXISTS (
    SELECT 1 FROM worker_heartbeats w WHERE w.worker_id = s.held_by
      AND w.last_seen_at > now() - make_interval(secs => $1::int / 1000.0)
      AND s.heartbeat_at >= w.last_seen_at - make_interval(secs => $1::int / 1000.0))`;

const J = JOB_COLUMNS.split(',')
  .map((c) => `j.${c.trim()}`)
  .join(', ');

/**
 * The worker's hot path: every statement here handles a whole batch of jobs, because a
 * PostgreSQL-backed queue is bound by statements, not rows. Each keeps the single-job rules of
 * JobsRepository (allowed from-states, attempt fencing) in its WHERE clause.
 */
@Injectable()
export class JobsBatchService {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  /** One INSERT for many jobs, inside `m`'s transaction, in input order. */
  async insertMany(
    inputs: readonly (CreateJobInput & { maxRetries: number })[],
    m: EntityManager,
  ): Promise<Job[]> {
    if (inputs.length === 0) return [];
    const insert = this.insertStatement(inputs);
    return (await queryRows<JobRow>(m, insert.text, insert.params)).map(toJob);
  }

  /**
   * The INSERT of `insertMany` as a statement to compose with others (the outbox wraps it so
   * jobs and their messages are written by one statement); map its rows with `toJobs`.
   */
  insertStatement(
    inputs: readonly (CreateJobInput & { maxRetries: number })[],
    options: { skipUsedKeys?: boolean } = {},
  ): SqlStatement {
    // skipUsedKeys: a job whose idempotency key its user already used is not inserted (nor
    // returned) instead of failing the statement: retried imports re-submit their children
    const onConflict = options.skipUsedKeys
      ? `ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`
      : '';
    return {
      text: `INSERT INTO jobs (user_id, job_type, payload, max_retries, idempotency_key, parent_id)
       SELECT user_id, job_type, payload, max_retries, idempotency_key, parent_id
       FROM unnest($1::varchar[], $2::varchar[], $3::jsonb[], $4::int[], $5::varchar[], $6::uuid[])
         WITH ORDINALITY AS i(user_id, job_type, payload, max_retries, idempotency_key, parent_id, n)
       ORDER BY n
       ${onConflict}
       RETURNING ${JOB_COLUMNS}`,
      params: [
        inputs.map((i) => i.userId),
        inputs.map((i) => i.jobType),
        inputs.map((i) => JSON.stringify(i.payload)),
        inputs.map((i) => i.maxRetries),
        inputs.map((i) => i.idempotencyKey ?? null),
        inputs.map((i) => i.parentId ?? null),
      ],
    };
  }

  /** Jobs from the rows of `insertStatement`. */
  toJobs(rows: readonly unknown[]): Job[] {
    return (rows as JobRow[]).map(toJob);
  }

  /**
   * pending → processing, held by `workerId`, for every listed job that is still pending and of
   * a type in `types` (the worker's); the others are skipped.
   */
  async claimMany(
    ids: readonly string[],
    workerId: string,
    types: readonly string[],
  ): Promise<Job[]> {
    if (ids.length === 0) return [];
    const rows = await queryRows<JobRow>(
      this.manager,
      `WITH ${lockInIdOrder('pending')}
       UPDATE jobs j SET status = 'processing', attempt = j.attempt + 1, started_at = now(), heartbeat_at = now(),
         completed_at = NULL, progress = 0, held_by = $2
       FROM locked
       WHERE j.id = locked.id AND j.status = 'pending' AND j.cancel_requested_at IS NULL
         AND j.job_type = ANY($3::varchar[])
       RETURNING ${J}`,
      [ids, workerId, types],
    );
    return rows.map(toJob);
  }

  /**
   * Pending jobs among `ids` whose type is not in `types` (a worker of an older or newer
   * deploy received them) get a new message `delaySeconds` from now, written to `queueUrl`'s
   * outbox, so that a worker that knows the type takes them; no attempt or retry is spent.
   * Returns how many were deferred.
   */
  async deferUnknownTypes(
    ids: readonly string[],
    types: readonly string[],
    queueUrl: string,
    delaySeconds: number,
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await queryRows<{ id: string }>(
      this.manager,
      `INSERT INTO queue_messages (job_id, queue_url, attempt, delay_seconds)
       SELECT id, $3, attempt + 1, $4 FROM jobs
       WHERE id = ANY($1::uuid[]) AND status = 'pending' AND job_type <> ALL($2::varchar[])
       RETURNING id`,
      [ids, types, queueUrl, delaySeconds],
    );
    return rows.length;
  }

  /**
   * processing → completed for the current attempts, writing processing-time and queue-wait
   * metrics and the job's "attempt N completed" log line in the same statement, so the log
   * says so exactly when the row does, even when a try is retried after a timeout. Returns the ids that were still current (the winners), and
   * the ids already completed at the given attempt: the attempt fences out every other writer,
   * so such a row is this caller's own earlier try, one whose client gave up (a query timeout
   * against a frozen server) while the server went on to commit it. Without them, the caller's
   * retry matched 0 rows and took its own completion for a takeover.
   */
  async completeMany(items: readonly Completion[]): Promise<string[]> {
    if (items.length === 0) return [];
    const rows = await queryRows<{ id: string }>(
      this.manager,
      `WITH ${lockInIdOrder('processing')}, done AS (
         UPDATE jobs j SET status = 'completed', results = v.results, completed_at = now(), progress = 100,
           next_retry_at = NULL, error_message = NULL
         FROM locked JOIN unnest($1::uuid[], $2::int[], $3::jsonb[]) AS v(id, attempt, results) USING (id)
         WHERE j.id = locked.id AND j.attempt = v.attempt AND j.status = 'processing'
         RETURNING j.id, j.job_type, j.attempt, j.retry_count, j.created_at, j.started_at, j.completed_at
       ), metrics AS (
         INSERT INTO job_metrics (job_id, job_type, attempt, metric_type, metric_value)
         SELECT id, job_type, attempt, 'processing_time_ms', extract(epoch FROM completed_at - started_at) * 1000 FROM done
         UNION ALL
         SELECT id, job_type, attempt, 'queue_wait_ms', extract(epoch FROM started_at - created_at) * 1000
         FROM done WHERE retry_count = 0
       ), logged AS (
         INSERT INTO job_logs (job_id, attempt, level, message, source)
         SELECT id, attempt, 'info', 'attempt ' || attempt || ' completed', 'worker' FROM done
       )
       SELECT id FROM done
       UNION ALL
       SELECT j.id FROM jobs j JOIN unnest($1::uuid[], $2::int[]) AS v(id, attempt) USING (id)
       WHERE j.status = 'completed' AND j.attempt = v.attempt`,
      [items.map((i) => i.id), items.map((i) => i.attempt), items.map((i) => i.resultsJson)],
    );
    return rows.map((r) => r.id);
  }

  /**
   * processing → failed for the current attempts, with a failed-attempt metric; the retry time
   * is the database's now() + the delay, like every other time in the table. Returns the winners.
   */
  async failMany(items: readonly Failure[]): Promise<Job[]> {
    if (items.length === 0) return [];
    const rows = await queryRows<JobRow>(
      this.manager,
      `WITH ${lockInIdOrder('processing')}, failed AS (
         UPDATE jobs j SET status = 'failed', error_message = v.error_message,
           next_retry_at = now() + make_interval(secs => v.retry_delay_ms / 1000.0), completed_at = now()
         FROM locked JOIN unnest($1::uuid[], $2::int[], $3::text[], $4::bigint[])
           AS v(id, attempt, error_message, retry_delay_ms) USING (id)
         WHERE j.id = locked.id AND j.attempt = v.attempt AND j.status = 'processing'
         RETURNING ${J}
       ), metrics AS (
         INSERT INTO job_metrics (job_id, job_type, attempt, metric_type, metric_value)
         SELECT id, job_type, attempt, 'failed_attempt_ms', extract(epoch FROM completed_at - started_at) * 1000 FROM failed
       )
       SELECT * FROM failed`,
      [
        items.map((i) => i.id),
        items.map((i) => i.attempt),
        items.map((i) => i.errorMessage),
        items.map((i) => i.retryDelayMs),
      ],
    );
    return rows.map(toJob);
  }

  /**
   * Heartbeat (and progress) for the attempts a worker holds. Returns, for each attempt still
   * current, whether its cancellation was requested; an attempt missing from the result is no
   * longer this worker's (it stalled and was re-queued, or it was cancelled and finished).
   */
  async heartbeatMany(items: readonly Beat[]): Promise<Map<string, boolean>> {
    if (items.length === 0) return new Map();
    const rows = await queryRows<{ id: string; cancel: boolean }>(
      this.manager,
      `WITH ${lockInIdOrder('processing')}
       UPDATE jobs j SET heartbeat_at = now(), progress = COALESCE(v.progress, j.progress)
       FROM locked JOIN unnest($1::uuid[], $2::int[], $3::int[]) AS v(id, attempt, progress) USING (id)
       WHERE j.id = locked.id AND j.attempt = v.attempt AND j.status = 'processing'
       RETURNING j.id, j.cancel_requested_at IS NOT NULL AS cancel`,
      [items.map((i) => i.id), items.map((i) => i.attempt), items.map((i) => i.progress)],
    );
    return new Map(rows.map((r) => [r.id, r.cancel]));
  }

  /**
   * processing → pending for attempts that were claimed but never started (the worker is
   * shutting down). Not a failed attempt: retry_count is unchanged. Run inside `m` with the
   * outbox rows that announce the jobs again.
   */
  async releaseMany(items: readonly AttemptRef[], m: EntityManager): Promise<AttemptRef[]> {
    if (items.length === 0) return [];
    return queryRows<AttemptRef>(
      m,
      `WITH ${lockInIdOrder('processing')}
       UPDATE jobs j SET status = 'pending', started_at = NULL, heartbeat_at = NULL, progress = 0
       FROM locked JOIN unnest($1::uuid[], $2::int[]) AS v(id, attempt) USING (id)
       WHERE j.id = locked.id AND j.attempt = v.attempt AND j.status = 'processing'
       RETURNING j.id, j.attempt`,
      [items.map((i) => i.id), items.map((i) => i.attempt)],
    );
  }

  /**
   * failed → pending for jobs whose retry time has passed, locked with SKIP LOCKED so that
   * several sweepers never re-queue one job twice. Run inside `m` with the outbox rows.
   */
  async retryDue(limit: number, m: EntityManager): Promise<AttemptRef[]> {
    return queryRows<AttemptRef>(
      m,
      `UPDATE jobs j SET status = 'pending', retry_count = j.retry_count + 1, next_retry_at = NULL,
         started_at = NULL, completed_at = NULL, heartbeat_at = NULL, progress = 0
       FROM (SELECT id FROM jobs WHERE status = 'failed' AND next_retry_at <= now() AND retry_count < max_retries
             ORDER BY next_retry_at LIMIT $1 FOR NO KEY UPDATE SKIP LOCKED) due
       WHERE j.id = due.id
       RETURNING j.id, j.attempt`,
      [limit],
    );
  }

  /**
   * Processing jobs whose worker looks gone: heartbeat older than `stallAfterMs`, and their
   * worker (held_by) either has no fresh presence row or has not heartbeated this job for that
   * long. Oldest first. The sweeper confirms a candidate on a later pass before it acts (see
   * RecoverySweeper): right after PostgreSQL was frozen or down, every presence is late while
   * every worker is alive, for as long as their next heartbeat takes.
   */
  async findStalled(stallAfterMs: number, limit: number): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.manager,
      `SELECT s.id FROM jobs s WHERE ${STALLED} ORDER BY s.heartbeat_at LIMIT $2`,
      [stallAfterMs, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Recovers the listed jobs that are still stalled (the rule of `findStalled` is checked
   * again under the row lock), each in one statement:
   * - cancellation requested → cancelled (its worker died before it could confirm);
   * - lost fewer than max_retries times → pending again with a new outbox message for
   *   `queueUrl`, without spending a retry (the fault was the worker's, not the job's);
   * - else failed for good, with a failed-attempt metric: a job that kills its worker every
   *   time must end (the caller dead-letters it).
   */
  async recoverStalled(
    ids: readonly string[],
    stallAfterMs: number,
    queueUrl: string,
  ): Promise<StalledJob[]> {
    if (ids.length === 0) return [];
    const requeue = `j.cancel_requested_at IS NULL AND j.stall_count < j.max_retries`;
    const rows = await queryRows<JobRow & { requeued: boolean }>(
      this.manager,
      `WITH stalled AS (
         SELECT s.id FROM jobs s WHERE s.id = ANY($2::uuid[]) AND ${STALLED}
         ORDER BY s.id FOR NO KEY UPDATE SKIP LOCKED
       ), recovered AS (
         UPDATE jobs j SET stall_count = j.stall_count + 1, heartbeat_at = NULL, next_retry_at = NULL,
           status = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
                         WHEN ${requeue} THEN 'pending' ELSE 'failed' END,
           completed_at = CASE WHEN ${requeue} THEN NULL ELSE now() END,
           started_at = CASE WHEN ${requeue} THEN NULL ELSE j.started_at END,
           progress = CASE WHEN ${requeue} THEN 0 ELSE j.progress END,
           error_message = CASE
             WHEN j.cancel_requested_at IS NOT NULL THEN 'Cancelled: its worker stopped before the handler did'
             WHEN ${requeue} THEN j.error_message
             ELSE 'Stalled ' || (j.stall_count + 1) || ' times: its worker stopped or lost the database each time' END
         FROM stalled WHERE j.id = stalled.id
         RETURNING ${J}, j.status = 'pending' AS requeued
       ), announced AS (
         INSERT INTO queue_messages (job_id, queue_url, attempt)
         SELECT id, $3, attempt + 1 FROM recovered WHERE requeued
       ), metrics AS (
         INSERT INTO job_metrics (job_id, job_type, attempt, metric_type, metric_value)
         SELECT id, job_type, attempt, 'failed_attempt_ms', extract(epoch FROM completed_at - started_at) * 1000
         FROM recovered WHERE status = 'failed'
       )
       SELECT * FROM recovered`,
      [stallAfterMs, ids, queueUrl],
    );
    return rows.map((r) => ({ ...toJob(r), requeued: r.requeued }));
  }

  /** Appends log lines in one INSERT; created_at keeps their order. */
  async appendLogs(lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    await queryRows(
      this.manager,
      `INSERT INTO job_logs (job_id, attempt, level, message, source)
       SELECT job_id, attempt, level, message, source
       FROM unnest($1::uuid[], $2::int[], $3::varchar[], $4::text[], $5::varchar[]) WITH ORDINALITY
         AS l(job_id, attempt, level, message, source, n)
       ORDER BY n`,
      [
        lines.map((l) => l.jobId),
        lines.map((l) => l.attempt),
        lines.map((l) => l.level),
        lines.map((l) => l.message),
        lines.map((l) => l.source),
      ],
    );
  }
}
