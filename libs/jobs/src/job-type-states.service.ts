import type { AppConfig } from '@app/config';
import { JobStatus, queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { announce, STILL_DUE_LATER } from './jobs-batch.service';
import { OutboxSignal } from './outbox-signal';
import { isHeld } from './fair-shares';
import { waitingForDependencies } from './sql/dependency-sql';
import { type LaneQueues, laneQueues } from './sql/job-lane';

/** A paused job type: since when, and by whom. */
export interface PausedType {
  jobType: string;
  pausedAt: Date;
  pausedBy: string | null;
}

/** A job type's rate limit: at most `limit` starts in any `intervalSeconds`, across all workers. */
export interface RateLimit {
  jobType: string;
  limit: number;
  intervalSeconds: number;
}

/** The bounds of a rate limit (also CHECK constraints of job_type_states). */
export const RATE_LIMIT_MAX = 10_000;
export const RATE_INTERVAL_MAX_SECONDS = 86_400;

/**
 * Pause and resume per job type, and rate limits (decided by the claim: see rate-limits.ts).
 * While a type is paused the claim skips its jobs: a worker that receives one deletes the
 * message all the same, so the job waits `pending` with no message in flight ("parked"),
 * spending no receive count, and the resend sweep leaves it alone. The relay
 * still sends the messages of jobs created meanwhile: holding them back would leave their rows
 * unsent, to be scanned again by every relay pass; a send, receive and delete per ten jobs is
 * cheaper. Resuming announces every pending job of the type again in the same statement (a
 * delayed one for its due time).
 */
@Injectable()
export class JobTypeStatesService {
  private readonly queues: LaneQueues;

  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly outboxSignal: OutboxSignal,
    config: ConfigService<AppConfig, true>,
  ) {
    this.queues = laneQueues(config.get('queue', { infer: true }));
  }

  /** Every paused type, by name. */
  async paused(): Promise<PausedType[]> {
    return queryRows<PausedType>(
      this.manager,
      `SELECT job_type AS "jobType", paused_at AS "pausedAt", paused_by AS "pausedBy"
       FROM job_type_states WHERE paused_at IS NOT NULL ORDER BY job_type`,
    );
  }

  /** Every rate-limited type, by name. */
  async rateLimits(): Promise<RateLimit[]> {
    return queryRows<RateLimit>(
      this.manager,
      `SELECT job_type AS "jobType", rate_limit AS "limit", rate_interval_seconds AS "intervalSeconds"
       FROM job_type_states WHERE rate_limit IS NOT NULL ORDER BY job_type`,
    );
  }

  /**
   * Sets (or changes) `jobType`'s rate limit; the next claim applies it. The window of starts
   * already counted is kept, and so are the slots of jobs already deferred: they come back at
   * the pace of the old limit and are deferred again if the new one has no room for them.
   */
  async setRateLimit(jobType: string, limit: number, intervalSeconds: number): Promise<RateLimit> {
    const [row] = await queryRows<RateLimit>(
      this.manager,
      `INSERT INTO job_type_states AS s (job_type, rate_limit, rate_interval_seconds) VALUES ($1, $2, $3)
       ON CONFLICT (job_type) DO UPDATE SET rate_limit = EXCLUDED.rate_limit,
         rate_interval_seconds = EXCLUDED.rate_interval_seconds, updated_at = now()
       RETURNING job_type AS "jobType", rate_limit AS "limit", rate_interval_seconds AS "intervalSeconds"`,
      [jobType, limit, intervalSeconds],
    );
    return row;
  }

  /**
   * Removes `jobType`'s rate limit and, in the same statement, makes the unsent messages of the
   * jobs it deferred due now (a job's own later due time, runAt, is kept): a backlog spread over
   * hours starts at once. Messages already in SQS arrive at their slots, within a minute.
   * Returns how many jobs were announced again, or null when the type had no limit.
   */
  async removeRateLimit(jobType: string): Promise<number | null> {
    const [row] = await queryRows<{ announced: number }>(
      this.manager,
      `WITH removed AS (
         UPDATE job_type_states SET rate_limit = NULL, rate_interval_seconds = NULL,
           rate_window_at = '{}', rate_window_n = '{}', rate_deferred_until = NULL, updated_at = now()
         WHERE job_type = $1 AND rate_limit IS NOT NULL
         RETURNING job_type
       ), announced AS (
         UPDATE queue_messages q SET not_before = NULL
         FROM jobs j, removed r
         WHERE q.sent_at IS NULL AND q.not_before > now() AND q.job_id = j.id
           AND j.job_type = r.job_type AND j.status = '${JobStatus.Pending}'
           AND (j.run_at IS NULL OR j.run_at <= now())
         RETURNING q.id
       )
       SELECT (SELECT count(*)::int FROM announced) AS announced FROM removed`,
      [jobType],
    );
    if (!row) return null;
    if (row.announced > 0) this.outboxSignal.notify();
    return row.announced;
  }

  /** Pauses `jobType`; pausing a paused type keeps when and by whom it was first paused. */
  async pause(jobType: string, by: string): Promise<PausedType> {
    const [row] = await queryRows<PausedType>(
      this.manager,
      `INSERT INTO job_type_states AS s (job_type, paused_at, paused_by) VALUES ($1, now(), $2)
       ON CONFLICT (job_type) DO UPDATE SET
         paused_at = COALESCE(s.paused_at, now()),
         paused_by = CASE WHEN s.paused_at IS NULL THEN EXCLUDED.paused_by ELSE s.paused_by END,
         updated_at = now()
       RETURNING job_type AS "jobType", paused_at AS "pausedAt", paused_by AS "pausedBy"`,
      [jobType, by],
    );
    return row;
  }

  /**
   * Resumes `jobType` and, in the same statement, writes the next message of each of its pending
   * jobs into the outbox: the parked ones have none in flight. A job whose message was still
   * in SQS gets a second one, which its claim ignores. Returns how many were announced (0 when
   * the type was not paused: nothing was parked). Jobs waiting for dependencies stay unannounced:
   * the completion of their last dependency announces them.
   */
  async resume(jobType: string): Promise<number> {
    const [{ announced }] = await queryRows<{ announced: number }>(
      this.manager,
      `WITH resumed AS (
         UPDATE job_type_states SET paused_at = NULL, paused_by = NULL, updated_at = now()
         WHERE job_type = $1 AND paused_at IS NOT NULL
         RETURNING job_type
       ), parked AS (
         SELECT j.id, j.attempt, j.run_at, j.priority FROM jobs j JOIN resumed r ON j.job_type = r.job_type
         WHERE j.status = '${JobStatus.Pending}' AND NOT ${isHeld('j')} AND NOT ${waitingForDependencies('j')}
       ), ${announce('parked', '$2', '', STILL_DUE_LATER)}
       SELECT count(*)::int AS announced FROM parked`,
      [jobType, this.queues],
    );
    if (announced > 0) this.outboxSignal.notify();
    return announced;
  }
}
