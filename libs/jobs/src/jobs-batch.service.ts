import type { AppConfig } from '@app/config';
import { JobStatus, queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { type JobRow, toJob } from './job-row.mapper';
import { J_JOB_COLUMNS } from './sql/job-columns';
import { type LaneQueues, laneQueues, laneQueueSql } from './sql/job-lane';
import type { Job } from './job.types';
import { fromStates, lockFor, target } from './transition-sql';
import { typePaused } from './paused-types';
import {
  HELD_USERS,
  overShare,
  releaseShares,
  shareForgotten,
  shareUnheld,
  sharesFreedBy,
} from './fair-shares';
import { OutboxSignal } from './outbox-signal';
import { RATE_DEFERRED_COUNT, rateDeferred, rateLimitCtes } from './rate-limits';
import {
  announceDependents,
  cancelDependents,
  ENDED_HOW,
  settleWaitingStatement,
  waitingForDependencies,
} from './sql/dependency-sql';

const { Pending, Processing, Completed, Failed, Cancelled } = JobStatus;

/**
 * How many jobs a statement announced besides its own: held jobs its fair-share release let go
 * (fair-shares.ts), dependents whose last dependency it completed (dependency-sql.ts).
 */
interface Announcing {
  announced: number;
}

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
/** What a claim did with the jobs it was given. */
export interface Claim {
  /** The jobs it moved to processing, held by the worker. */
  claimed: Job[];
  /** How many its types' rate limits deferred: they have outbox rows to send (see rate-limits.ts). */
  deferred: number;
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
 * A processing job (alias s) whose heartbeat is older than $1 ms and whose worker is gone: no
 * presence row fresher than that, or a fresh one while this job's heartbeat lags it by as much
 * (the worker is alive but no longer holds the job).
 */
const STALLED = `${fromStates('stall', 's')} AND s.heartbeat_at < now() - make_interval(secs => $1::int / 1000.0)
  AND NOT EXISTS (
    SELECT 1 FROM worker_heartbeats w WHERE w.worker_id = s.held_by
      AND w.last_seen_at > now() - make_interval(secs => $1::int / 1000.0)
      AND s.heartbeat_at >= w.last_seen_at - make_interval(secs => $1::int / 1000.0))`;

/**
 * A CTE `announced` writing the next message (attempt + 1, the attempt the claim will make) of
 * every job CTE `from` returned (with its id, attempt and priority) into the outbox, on the queue
 * of its lane: `queuesParam` holds LaneQueues (see laneQueueSql).
 */
export function announce(
  from: string,
  queuesParam: string,
  where = '',
  notBefore = 'NULL',
): string {
  return `announced AS (
    INSERT INTO queue_messages (job_id, queue_url, attempt, not_before)
    SELECT id, ${laneQueueSql('priority', queuesParam)}, attempt + 1, ${notBefore} FROM ${from} ${where})`;
}

/** A job's own due time while it is still ahead: the not_before of its outbox row. */
export const STILL_DUE_LATER = `CASE WHEN run_at > now() THEN run_at END`;

/** A pending job (alias j) that may no longer start: its expire_at has passed (database clock). */
const EXPIRED = `j.status = '${Pending}' AND j.expire_at <= now()`;

/** The log line of a job copied to the dead-letter queue (followed by its attempt and reason). */
export const DLQ_LOG_PREFIX = 'moved to the dead-letter queue';

/**
 * CTEs `dead` and `dead_logged`: for each job of CTE `from` matching `where` (failed for good),
 * its DLQ copy in the outbox (queue `dlqUrlParam`, its error as the reason) and the log line
 * saying so. Written by the statement that fails the job, which is fenced by attempt: a job is
 * dead-lettered exactly once per attempt, whatever crashes, and nothing reads logs to know.
 */
function deadLetter(from: string, dlqUrlParam: string, where: string): string {
  const reason = `coalesce(error_message, 'failed')`;
  return `dead AS (
    INSERT INTO queue_messages (job_id, queue_url, attempt, reason)
    SELECT id, ${dlqUrlParam}::varchar, attempt, ${reason} FROM ${from} WHERE ${where}
  ), dead_logged AS (
    INSERT INTO job_logs (job_id, attempt, level, message, source)
    SELECT id, attempt, 'error', '${DLQ_LOG_PREFIX} after attempt ' || attempt || ': ' || ${reason}, 'system'
    FROM ${from} WHERE ${where}
  )`;
}

/** What the retry transition sets, by the policy's due time or by hand. */
const RETRY_SET = `status = ${target('retry', Pending)}, retry_count = j.retry_count + 1, next_retry_at = NULL,
  started_at = NULL, completed_at = NULL, heartbeat_at = NULL, progress = 0`;

const J = J_JOB_COLUMNS;

/** What a completion announced besides itself (Announcing): released held jobs, freed dependents. */
const ANNOUNCED_BY_COMPLETION = `((SELECT count(*) FROM share_released)
  + (SELECT count(*) FROM freed WHERE status = '${Pending}' AND dependencies_left = 0))::int`;

/**
 * The transitions module: every statement that changes a job's status is here, generated from
 * TRANSITIONS (allowed from-states and targets, see transition-sql.ts), batch-first (arrays in,
 * rows out; JobsRepository's single-job methods are arrays of one), fenced by attempt where a
 * worker writes. A transition into `pending` writes the job's next outbox message in the same
 * statement. Batch-first because a PostgreSQL-backed queue is bound by statements, not rows.
 */
@Injectable()
export class JobsBatchService {
  private readonly queues: LaneQueues;
  private readonly dlqUrl: string;
  /** FAIR_SHARE_MAX_RUNNING; null: no cap unless an admin set one (see fair-shares.ts). */
  private readonly userCap: number | null;

  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly outboxSignal: OutboxSignal,
    config: ConfigService<AppConfig, true>,
  ) {
    const queue = config.get('queue', { infer: true });
    this.queues = laneQueues(queue);
    this.dlqUrl = queue.dlqUrl;
    this.userCap = config.get('shares', { infer: true }).maxRunningPerUser;
  }

  /**
   * claim: pending → processing, held by `workerId`, for every listed job that is still pending,
   * not expired (see expireMany), of a type in `types` (the worker's; null: any) and whose type
   * is not paused; the others are skipped. A paused type's job stays pending with its message
   * consumed ("parked"): resuming the type announces it again (JobTypeStatesService.resume).
   * A job over its user's fair share is held the same way, with a `held_jobs` row (fair-shares.ts):
   * the release announces it as the user's running jobs end. A rate-limited type's jobs beyond
   * its limit (among those within their shares) stay pending and get a new message for their
   * slot in the same statement (`deferred`; see rate-limits.ts). `claimId` names this claim (one
   * per received batch, kept by its retries) and is stored with the attempt.
   *
   * `retried` (a retry after a try that failed, e.g. timed out): also returns the listed jobs an
   * earlier try of the same `claimId` claimed after all. A query timeout does not say whether the
   * server committed; the claim id says which rows that try took, and only those: a row another
   * claim of the same worker took meanwhile (a duplicate message) is not this claim's to run.
   */
  async claimMany(
    ids: readonly string[],
    workerId: string | null,
    types: readonly string[] | null,
    options: { claimId?: string; retried?: boolean } = {},
  ): Promise<Claim> {
    if (ids.length === 0) return { claimed: [], deferred: 0 };
    const own = options.retried
      ? `UNION ALL
         SELECT ${J} FROM jobs j WHERE j.id = ANY($1::uuid[]) AND j.status = '${Processing}'
           AND j.claim_id = $4::uuid`
      : '';
    const rows = await queryRows<Partial<JobRow> & { rate_deferred: number }>(
      this.manager,
      `WITH ${lockFor('claim', `j.cancel_requested_at IS NULL AND ($3::varchar[] IS NULL OR j.job_type = ANY($3::varchar[])) AND (j.expire_at IS NULL OR j.expire_at > now()) AND NOT ${typePaused('j')}`, 'id, job_type, attempt, created_at, priority')},
       ${overShare('locked', '$5')},
       ${rateLimitCtes('(SELECT * FROM locked s WHERE NOT EXISTS (SELECT 1 FROM over_share o WHERE o.id = s.id))', '$6')}, claimed AS (
         UPDATE jobs j SET status = ${target('claim', Processing)}, attempt = j.attempt + 1, started_at = now(),
           heartbeat_at = now(), completed_at = NULL, progress = 0, held_by = $2, claim_id = $4::uuid
         FROM locked WHERE j.id = locked.id AND NOT EXISTS (SELECT 1 FROM over_share o WHERE o.id = j.id)
           AND NOT ${rateDeferred('locked')}
         RETURNING ${J}
       ), ${shareUnheld('claimed')}
       SELECT c.*, d.rate_deferred
       FROM (SELECT ${RATE_DEFERRED_COUNT} AS rate_deferred) d LEFT JOIN (SELECT * FROM claimed ${own}) c ON true`,
      [ids, workerId, types, options.claimId ?? null, this.userCap, this.queues],
      { prepared: true },
    );
    return {
      claimed: rows.filter((r): r is JobRow & { rate_deferred: number } => r.id != null).map(toJob),
      deferred: rows[0]?.rate_deferred ?? 0,
    };
  }

  /**
   * Pending jobs among `ids` whose type is not in `types` (a worker of an older or newer
   * deploy received them) get a new message `delaySeconds` from now, on their lane's queue, so
   * that a worker that knows the type takes them; no attempt or retry is spent.
   * Returns how many were deferred.
   */
  async deferUnknownTypes(
    ids: readonly string[],
    types: readonly string[],
    delaySeconds: number,
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await queryRows<{ id: string }>(
      this.manager,
      `INSERT INTO queue_messages (job_id, queue_url, attempt, delay_seconds)
       SELECT id, ${laneQueueSql('priority', '$3')}, attempt + 1, $4 FROM jobs
       WHERE id = ANY($1::uuid[]) AND status = '${Pending}' AND job_type <> ALL($2::varchar[])
       RETURNING id`,
      [ids, types, this.queues, delaySeconds],
    );
    return rows.length;
  }

  /**
   * complete: processing → completed for the current attempts. Returns the ids that were still
   * current (the winners). The transition is all it writes: processing time and queue wait are
   * the row's own timestamps (JobStatsService reads them), and the job's "attempt N completed"
   * line is derived from them (JobLogsService), so a completion costs one row version.
   *
   * `retried` (the worker's retry of a completion whose try failed): also returns the ids
   * already completed at the given attempt. The attempt fences out every other writer, so such
   * a row is this caller's own earlier try, one whose client gave up (a query timeout against a
   * frozen server) while the server went on to commit it; without them the retry would take its
   * own completion for a takeover.
   *
   * Dependents (job_dependencies) of the completed jobs count them off, and those left with no
   * dependency get their outbox rows, in the same statement (announceDependents); a job nobody
   * depends on costs one probe of idx_job_dependencies_depends_on.
   */
  async completeMany(
    items: readonly Completion[],
    options: { retried?: boolean } = {},
  ): Promise<string[]> {
    if (items.length === 0) return [];
    const rows = await queryRows<{ id: string } & Announcing>(
      this.manager,
      `WITH ${lockFor('complete')}, done AS (
         UPDATE jobs j SET status = ${target('complete', Completed)}, results = v.results, completed_at = now(),
           progress = 100, next_retry_at = NULL, error_message = NULL
         FROM locked JOIN unnest($1::uuid[], $2::int[], $3::jsonb[]) AS v(id, attempt, results) USING (id)
         WHERE j.id = locked.id AND j.attempt = v.attempt
         RETURNING j.id, j.user_id, j.job_type
       ), ${announceDependents('done', '$5')}, ${sharesFreedBy('done')},
       ${releaseShares('share_freed', '$4', '$5')}
       SELECT id, ${ANNOUNCED_BY_COMPLETION} AS announced FROM done
       ${
         options.retried
           ? `UNION ALL
              SELECT j.id, 0 FROM jobs j JOIN unnest($1::uuid[], $2::int[]) AS v(id, attempt) USING (id)
              WHERE j.status = '${Completed}' AND j.attempt = v.attempt`
           : ''
       }`,
      [
        items.map((i) => i.id),
        items.map((i) => i.attempt),
        items.map((i) => i.resultsJson),
        this.userCap,
        this.queues,
      ],
      { prepared: true },
    );
    this.announcedIf(rows);
    return rows.map((r) => r.id);
  }

  /**
   * processing → failed for the current attempts, with a failed-attempt metric; the retry time
   * is the database's now() + the delay, like every other time in the table. A job failed for
   * good (no delay) is dead-lettered in the same statement, and the jobs waiting for it are
   * cancelled, recursively (cancelDependents). Returns the winners; with `retried`
   * (see completeMany), also the jobs already failed at the given attempt.
   */
  async failMany(items: readonly Failure[], options: { retried?: boolean } = {}): Promise<Job[]> {
    if (items.length === 0) return [];
    const rows = await queryRows<JobRow & Announcing>(
      this.manager,
      `WITH ${lockFor('fail')}, failed AS (
         UPDATE jobs j SET status = ${target('fail', Failed)}, error_message = v.error_message,
           next_retry_at = now() + make_interval(secs => v.retry_delay_ms / 1000.0), completed_at = now()
         FROM locked JOIN unnest($1::uuid[], $2::int[], $3::text[], $4::bigint[])
           AS v(id, attempt, error_message, retry_delay_ms) USING (id)
         WHERE j.id = locked.id AND j.attempt = v.attempt
         RETURNING ${J}
       ), metrics AS (
         INSERT INTO job_metrics (job_id, job_type, attempt, metric_type, metric_value)
         SELECT id, job_type, attempt, 'failed_attempt_ms', extract(epoch FROM completed_at - started_at) * 1000 FROM failed
       ), ${deadLetter('failed', '$5', 'next_retry_at IS NULL')},
       ${cancelDependents('failed', 'next_retry_at IS NULL', `'failed for good'`)},
       ${sharesFreedBy('failed')}, ${releaseShares('share_freed', '$6', '$7')}
       SELECT *, (SELECT count(*) FROM share_released)::int AS announced FROM failed
       ${
         // as completeMany's: a retry also gets back what its own earlier try committed (the
         // statement's snapshot shows the rows `failed` changed as they were before it)
         options.retried
           ? `UNION ALL
              SELECT ${J}, 0 FROM jobs j JOIN unnest($1::uuid[], $2::int[]) AS v(id, attempt) USING (id)
              WHERE j.status = '${Failed}' AND j.attempt = v.attempt`
           : ''
       }`,
      [
        items.map((i) => i.id),
        items.map((i) => i.attempt),
        items.map((i) => i.errorMessage),
        items.map((i) => i.retryDelayMs),
        this.dlqUrl,
        this.userCap,
        this.queues,
      ],
      { prepared: true },
    );
    this.announcedIf(rows);
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
      `WITH ${lockFor('complete')}
       UPDATE jobs j SET heartbeat_at = now(), progress = COALESCE(v.progress, j.progress)
       FROM locked JOIN unnest($1::uuid[], $2::int[], $3::int[]) AS v(id, attempt, progress) USING (id)
       WHERE j.id = locked.id AND j.attempt = v.attempt
       RETURNING j.id, j.cancel_requested_at IS NOT NULL AS cancel`,
      [items.map((i) => i.id), items.map((i) => i.attempt), items.map((i) => i.progress)],
      { prepared: true },
    );
    return new Map(rows.map((r) => [r.id, r.cancel]));
  }

  /**
   * release: processing → pending for attempts the worker gives up without a verdict (it is
   * stopping, or fenced itself): no retry spent, the next message written with it. Returns the
   * jobs released (a job recovered meanwhile by the sweeper is left alone: fenced by attempt).
   */
  async releaseMany(items: readonly AttemptRef[]): Promise<AttemptRef[]> {
    if (items.length === 0) return [];
    return queryRows<AttemptRef>(
      this.manager,
      `WITH ${lockFor('release')}, released AS (
         UPDATE jobs j SET status = ${target('release', Pending)}, started_at = NULL, heartbeat_at = NULL, progress = 0
         FROM locked JOIN unnest($1::uuid[], $2::int[]) AS v(id, attempt) USING (id)
         WHERE j.id = locked.id AND j.attempt = v.attempt
         RETURNING j.id, j.attempt, j.priority
       ), ${announce('released', '$3')}
       SELECT id, attempt FROM released`,
      [items.map((i) => i.id), items.map((i) => i.attempt), this.queues],
      { prepared: true },
    );
  }

  /**
   * retry: failed → pending for jobs whose retry time has passed, locked with SKIP LOCKED so
   * that several sweepers never re-queue one job twice, with their next messages. Returns them.
   */
  async retryDue(limit: number): Promise<AttemptRef[]> {
    return queryRows<AttemptRef>(
      this.manager,
      `WITH due AS (
         SELECT id FROM jobs j WHERE ${fromStates('retry')} AND next_retry_at <= now() AND retry_count < max_retries
         ORDER BY next_retry_at LIMIT $1 FOR NO KEY UPDATE SKIP LOCKED
       ), retried AS (
         UPDATE jobs j SET ${RETRY_SET}
         FROM due WHERE j.id = due.id
         RETURNING j.id, j.attempt, j.priority
       ), ${announce('retried', '$2')}
       SELECT id, attempt FROM retried`,
      [limit, this.queues],
    );
  }

  /**
   * retry, by hand: failed → pending for the listed jobs that have retries left (at most
   * `maxRetries` and their own limit), counting the retry, with their next messages.
   */
  async retryMany(ids: readonly string[], maxRetries: number): Promise<Job[]> {
    if (ids.length === 0) return [];
    const rows = await queryRows<JobRow>(
      this.manager,
      `WITH ${lockFor('retry')}, retried AS (
         UPDATE jobs j SET ${RETRY_SET}
         FROM locked WHERE j.id = locked.id AND j.retry_count < LEAST($3::int, j.max_retries)
         RETURNING ${J}
       ), ${announce('retried', '$2')}
       SELECT * FROM retried`,
      [ids, this.queues, maxRetries],
    );
    return rows.map(toJob);
  }

  /**
   * cancel: pending (or failed awaiting a retry) → cancelled at once; processing → stays
   * processing with cancel_requested_at set, so its worker aborts the handler and then confirms.
   * A job cancelled here takes the jobs waiting for it along, recursively (cancelDependents).
   */
  async cancelMany(ids: readonly string[]): Promise<Job[]> {
    if (ids.length === 0) return [];
    const rows = await queryRows<JobRow>(
      this.manager,
      `WITH ${lockFor('cancel', `(j.status <> '${Failed}' OR j.next_retry_at IS NOT NULL)`)}, cancelled AS (
         UPDATE jobs j SET
           status = CASE WHEN j.status = '${Processing}' THEN j.status ELSE ${target('cancel', Cancelled)} END,
           completed_at = CASE WHEN j.status = '${Processing}' THEN j.completed_at ELSE now() END,
           next_retry_at = NULL, cancel_requested_at = COALESCE(j.cancel_requested_at, now())
         FROM locked
         WHERE j.id = locked.id
         RETURNING ${J}
       ), ${cancelDependents('cancelled', `status = '${Cancelled}'`, `'was cancelled'`)},
       ${shareForgotten('cancelled')}
       SELECT * FROM cancelled`,
      [ids],
    );
    return rows.map(toJob);
  }

  /**
   * cancel, on expiry: pending jobs whose expire_at has passed → cancelled, the reason in
   * error_message. `ids`: among those (the claim skipped them); null: the `limit` that expired
   * first, over idx_jobs_expire_due (the sweeper's pass for jobs no message reached in time).
   * SKIP LOCKED: a job another caller holds is its to move. Jobs waiting for an expired job
   * are cancelled with it, recursively (cancelDependents).
   */
  async expireMany(ids: readonly string[] | null, limit: number): Promise<Job[]> {
    if (ids?.length === 0) return [];
    const rows = await queryRows<JobRow>(
      this.manager,
      `WITH due AS (
         SELECT id FROM jobs j WHERE ${fromStates('cancel')} AND ${EXPIRED}
           AND ${ids ? 'j.id = ANY($2::uuid[])' : '$2::uuid[] IS NULL'}
         ORDER BY j.expire_at LIMIT $1 FOR NO KEY UPDATE SKIP LOCKED
       ), expired AS (
         UPDATE jobs j SET status = ${target('cancel', Cancelled)}, completed_at = now(), next_retry_at = NULL,
           cancel_requested_at = COALESCE(j.cancel_requested_at, now()),
           error_message = 'Expired: not started by its expireAt, '
             || to_char(j.expire_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
         FROM due WHERE j.id = due.id
         RETURNING ${J}
       ), ${cancelDependents('expired', 'true', `'expired'`)}, ${shareForgotten('expired')}
       SELECT * FROM expired`,
      [limit, ids],
    );
    return rows.map(toJob);
  }

  /** cancel, confirmed: processing → cancelled once the handler of the current attempt stopped. */
  async confirmCancelledMany(items: readonly AttemptRef[]): Promise<Job[]> {
    if (items.length === 0) return [];
    const rows = await queryRows<JobRow>(
      this.manager,
      `WITH ${lockFor('cancel', `j.status = '${Processing}' AND j.cancel_requested_at IS NOT NULL`)}, cancelled AS (
         UPDATE jobs j SET status = ${target('cancel', Cancelled)}, completed_at = now()
         FROM locked JOIN unnest($1::uuid[], $2::int[]) AS v(id, attempt) USING (id)
         WHERE j.id = locked.id AND j.attempt = v.attempt
         RETURNING ${J}
       ), ${cancelDependents('cancelled', 'true', `'was cancelled'`)}
       SELECT * FROM cancelled`,
      [items.map((i) => i.id), items.map((i) => i.attempt)],
    );
    return rows.map(toJob);
  }

  /**
   * requeue: failed or cancelled → pending by hand (a user's retry, an operator's re-drive),
   * with the next message. retry_count and error_message are kept (history); the cancellation
   * request is cleared, else the job could not be claimed. A due time still ahead is kept (the
   * message waits for it); an expiry that has passed is dropped, else the job would only expire
   * again. A job whose dependencies have not all completed waits again, without a message (the
   * completion of its last dependency announces it). `deadOnly`: only jobs failed for good (a
   * re-drive). Returns the jobs re-queued.
   */
  async requeueMany(ids: readonly string[], options: { deadOnly?: boolean } = {}): Promise<Job[]> {
    if (ids.length === 0) return [];
    const dead = options.deadOnly ? `j.status = '${Failed}' AND j.next_retry_at IS NULL` : '';
    const rows = await queryRows<JobRow>(
      this.manager,
      `WITH ${lockFor('requeue', dead)}, requeued AS (
         UPDATE jobs j SET status = ${target('requeue', Pending)}, next_retry_at = NULL, started_at = NULL,
           completed_at = NULL, heartbeat_at = NULL, cancel_requested_at = NULL, progress = 0, results = NULL,
           expire_at = CASE WHEN j.expire_at > now() THEN j.expire_at END
         FROM locked WHERE j.id = locked.id
         RETURNING ${J}
       ), ${announce('requeued', '$2', `WHERE NOT ${waitingForDependencies('requeued')}`, STILL_DUE_LATER)}
       SELECT * FROM requeued`,
      [ids, this.queues],
    );
    return rows.map(toJob);
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
   * - lost fewer than max_retries times → pending again with its next message, without
   *   spending a retry (the fault was the worker's, not the job's);
   * - else failed for good, with a failed-attempt metric and its DLQ copy: a job that kills its
   *   worker every time must end.
   */
  async recoverStalled(ids: readonly string[], stallAfterMs: number): Promise<StalledJob[]> {
    if (ids.length === 0) return [];
    const requeue = `j.cancel_requested_at IS NULL AND j.stall_count < j.max_retries`;
    const rows = await queryRows<JobRow & { requeued: boolean }>(
      this.manager,
      `WITH stalled AS (
         SELECT s.id FROM jobs s WHERE s.id = ANY($2::uuid[]) AND ${STALLED}
         ORDER BY s.id FOR NO KEY UPDATE SKIP LOCKED
       ), recovered AS (
         UPDATE jobs j SET stall_count = j.stall_count + 1, heartbeat_at = NULL, next_retry_at = NULL,
           status = CASE WHEN j.cancel_requested_at IS NOT NULL THEN ${target('stall', Cancelled)}
                         WHEN ${requeue} THEN ${target('stall', Pending)} ELSE ${target('stall', Failed)} END,
           completed_at = CASE WHEN ${requeue} THEN NULL ELSE now() END,
           started_at = CASE WHEN ${requeue} THEN NULL ELSE j.started_at END,
           progress = CASE WHEN ${requeue} THEN 0 ELSE j.progress END,
           error_message = CASE
             WHEN j.cancel_requested_at IS NOT NULL THEN 'Cancelled: its worker stopped before the handler did'
             WHEN ${requeue} THEN j.error_message
             ELSE 'Stalled ' || (j.stall_count + 1) || ' times: its worker stopped or lost the database each time' END
         FROM stalled WHERE j.id = stalled.id
         RETURNING ${J}, j.status = '${Pending}' AS requeued
       ), ${announce('recovered', '$3', 'WHERE requeued')}, metrics AS (
         INSERT INTO job_metrics (job_id, job_type, attempt, metric_type, metric_value)
         SELECT id, job_type, attempt, 'failed_attempt_ms', extract(epoch FROM completed_at - started_at) * 1000
         FROM recovered WHERE status = '${Failed}'
       ), ${deadLetter('recovered', '$4', `status = '${Failed}'`)},
       ${cancelDependents('recovered', `status IN ('${Failed}', '${Cancelled}')`, ENDED_HOW)}
       SELECT * FROM recovered`,
      [stallAfterMs, ids, this.queues, this.dlqUrl],
    );
    return rows.map((r) => ({ ...toJob(r), requeued: r.requeued }));
  }

  /**
   * The fair-share release for every user with held jobs (see fair-shares.ts): what the
   * completions and failures did not release, because a running job ended another way (a stall,
   * a stop, a cancel) or a cap was raised. Returns how many jobs were announced.
   */
  async releaseHeld(): Promise<number> {
    const rows = await queryRows<Announcing>(
      this.manager,
      `WITH ${HELD_USERS}, ${releaseShares('share_freed', '$1', '$2')}
       SELECT count(*)::int AS announced FROM share_released`,
      [this.userCap, this.queues],
    );
    this.announcedIf(rows);
    return rows[0].announced;
  }

  /** Starts a relay pass when a statement announced other jobs (Announcing). */
  private announcedIf(rows: readonly Announcing[]): void {
    if (rows.some((r) => r.announced > 0)) this.outboxSignal.notify();
  }

  /**
   * The sweeper's settle pass over jobs waiting for dependencies, created within `windowMs`:
   * see settleWaitingStatement. Returns how many it announced and how many it cancelled.
   */
  async settleWaiting(
    windowMs: number,
    limit: number,
  ): Promise<{ announced: number; cancelled: number }> {
    const [row] = await queryRows<{ announced: number; cancelled: number }>(
      this.manager,
      settleWaitingStatement(),
      [windowMs, limit, this.queues],
    );
    return row;
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
