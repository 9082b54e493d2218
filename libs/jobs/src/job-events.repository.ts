import { setTimeout as sleep } from 'node:timers/promises';
import { type JobLogLevel, type JobLogSource, type JobStatus, queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { MAX_LOG_LINES } from './job-logs.service';
import { type JobRow, toJob } from './job-row.mapper';
import type { Job } from './job.types';
import { J_JOB_COLUMNS } from './sql/job-columns';

/** A status or progress change of a job, as the triggers on jobs recorded it. */
export interface JobEventRecord {
  id: string;
  /** The transaction that wrote it. */
  tx: string;
  jobId: string;
  userId: string;
  jobType: string;
  kind: 'status' | 'progress';
  status: JobStatus;
  attempt: number;
  progress: number;
  errorMessage: string | null;
  at: Date;
}

/** A line of a job's log, with its id (the stream's position in job_logs). */
export interface JobLogRecord {
  id: string;
  tx: string;
  jobId: string;
  level: JobLogLevel;
  message: string;
  source: JobLogSource;
  attempt: number | null;
  at: Date;
}

/** A row read for an announcement, with `n`: the announcement's place in the batch (from 1). */
export type Numbered<T> = T & { n: number };

/** What one NOTIFY announced: the rows of transaction `tx` with ids lo..hi in one table. */
export interface Announced {
  tx: string;
  lo: string;
  hi: string;
}

/**
 * Where a stream stands: every event up to `eventId` and log line up to `logId` that a
 * transaction older than `xmin` wrote has been delivered. What is not delivered yet has a
 * greater id or was written by a transaction >= xmin (it had not committed when `xmin` was
 * read, see the migration's NOTIFY). `at`: when that was, by the database clock.
 */
export interface StreamPosition {
  eventId: string;
  logId: string;
  xmin: string;
  at: Date;
}

/** Where a stream starts, and what it shows first; see JobEventsRepository.snapshot. */
export interface StreamSnapshot {
  position: StreamPosition;
  snapshot: string;
  job: Job | null;
  logs: JobLogRecord[];
}

/** Whose events a stream carries: one job, one user's jobs, or (null) everyone's. */
export type EventScope = { jobId: string } | { userId: string | null };

const EVENT_COLUMNS = `e.id, e.tx, e.job_id AS "jobId", e.user_id AS "userId", e.job_type AS "jobType", e.kind,
  e.status, e.attempt, e.progress, e.error_message AS "errorMessage", e.created_at AS at`;
const LOG_COLUMNS = `l.id, l.tx, l.job_id AS "jobId", l.level, l.message, l.source, l.attempt, l.created_at AS at`;

function scopeCondition(scope: EventScope, param: string): string {
  return 'jobId' in scope
    ? `e.job_id = ${param}::uuid`
    : `(${param}::varchar IS NULL OR e.user_id = ${param}::varchar)`;
}
const scopeValue = (scope: EventScope): string | null =>
  'jobId' in scope ? scope.jobId : scope.userId;

/**
 * The job_events history and event_listeners registry (migration 1764300010000). The triggers
 * write the events; this reads them for the api's streams, keeps an instance registered while
 * it streams, and prunes what no stream can resume from any more.
 */
@Injectable()
export class JobEventsRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  /** Keeps recording on for `ttlSeconds` more, on behalf of `instanceId`. */
  async register(instanceId: string, ttlSeconds: number): Promise<void> {
    await queryRows(
      this.manager,
      `INSERT INTO event_listeners (instance_id, expires_at)
       VALUES ($1, now() + make_interval(secs => $2))
       ON CONFLICT (instance_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
      [instanceId, ttlSeconds],
    );
  }

  /**
   * Resolves once every transaction of this database that had written something when called
   * has ended. A transition whose trigger ran before recording was turned on records nothing;
   * once it has ended, whatever a stream reads next (the job's row, a replay) includes its
   * effect. (Transactions of other databases on the server do not matter, and are not waited for.)
   */
  async awaitRunningTransactions(timeoutMs: number): Promise<void> {
    const [{ xids }] = await queryRows<{ xids: string[] }>(
      this.manager,
      `SELECT COALESCE(array_agg(backend_xid::text), '{}') AS xids FROM pg_stat_activity
       WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()`,
    );
    const deadline = Date.now() + timeoutMs;
    while (xids.length > 0) {
      const [{ running }] = await queryRows<{ running: number }>(
        this.manager,
        `SELECT count(*)::int AS running FROM pg_stat_activity
         WHERE datname = current_database() AND backend_xid::text = ANY($1::text[])`,
        [xids],
      );
      if (running === 0) return;
      if (Date.now() > deadline)
        throw new Error(`${running} transactions still running after ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /**
   * The current position (the newest event and log line, and who may still commit) and, read
   * in the same snapshot, the job and its log lines (one job's stream). `snapshot`: that
   * snapshot (pg_snapshot text), to tell which transactions those reads include.
   */
  async snapshot(jobId?: string): Promise<StreamSnapshot> {
    const [row] = await queryRows<
      Partial<JobRow> & {
        eventId: string;
        logId: string;
        xmin: string;
        at: Date;
        snapshot: string;
        logs: (Omit<JobLogRecord, 'at'> & { at: string })[] | null;
      }
    >(
      this.manager,
      `SELECT COALESCE((SELECT max(id) FROM job_events), 0)::text AS "eventId",
         COALESCE((SELECT max(id) FROM job_logs WHERE job_id = $1), 0)::text AS "logId",
         pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, now() AS at,
         pg_current_snapshot()::text AS snapshot,
         (SELECT json_agg(x ORDER BY x.id) FROM (SELECT ${LOG_COLUMNS} FROM job_logs l WHERE l.job_id = $1
            ORDER BY l.id LIMIT ${MAX_LOG_LINES}) x) AS logs,
         j.*
       FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT ${J_JOB_COLUMNS} FROM jobs j WHERE j.id = $1) j ON true`,
      [jobId ?? null],
    );
    return {
      position: { eventId: row.eventId, logId: row.logId, xmin: row.xmin, at: row.at },
      snapshot: row.snapshot,
      job: row.id ? toJob(row as JobRow) : null,
      logs: (row.logs ?? []).map((l) => ({
        ...l,
        id: String(l.id),
        tx: String(l.tx),
        at: new Date(l.at),
      })),
    };
  }

  /** The announced events (in the order announced, then by id; `n`: which announcement), of `jobIds`/`userIds` only when given. */
  async announcedEvents(
    batches: readonly Announced[],
    only: { jobIds: string[]; userIds: string[] } | null,
  ): Promise<Numbered<JobEventRecord>[]> {
    if (batches.length === 0) return [];
    return queryRows<Numbered<JobEventRecord>>(
      this.manager,
      `SELECT b.n::int AS n, ${EVENT_COLUMNS}
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS b(tx, lo, hi, n)
       JOIN job_events e ON e.id BETWEEN b.lo AND b.hi AND e.tx = b.tx
       WHERE $4::uuid[] IS NULL OR e.job_id = ANY($4::uuid[]) OR e.user_id = ANY($5::varchar[])
       ORDER BY b.n, e.id`,
      [
        batches.map((b) => b.tx),
        batches.map((b) => b.lo),
        batches.map((b) => b.hi),
        only?.jobIds ?? null,
        only?.userIds ?? [],
      ],
    );
  }

  /** The announced log lines of `jobIds`, in the order announced, then by id. */
  async announcedLogs(
    batches: readonly Announced[],
    jobIds: string[],
  ): Promise<Numbered<JobLogRecord>[]> {
    if (batches.length === 0 || jobIds.length === 0) return [];
    return queryRows<Numbered<JobLogRecord>>(
      this.manager,
      `SELECT b.n::int AS n, ${LOG_COLUMNS}
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS b(tx, lo, hi, n)
       JOIN job_logs l ON l.id BETWEEN b.lo AND b.hi AND l.tx = b.tx
       WHERE l.job_id = ANY($4::uuid[])
       ORDER BY b.n, l.id`,
      [batches.map((b) => b.tx), batches.map((b) => b.lo), batches.map((b) => b.hi), jobIds],
    );
  }

  /**
   * The events of `scope` not delivered as of `after`, oldest first, at most `limit`. One job's
   * events commit in id order (each transition waits for the previous one's row lock, and takes
   * its id under it), so for one job that is exactly those after `after.eventId`. Across jobs,
   * also those of transactions that were running then, a few of which may come again.
   */
  async eventsAfter(
    scope: EventScope,
    after: StreamPosition,
    limit: number,
  ): Promise<JobEventRecord[]> {
    const oneJob = 'jobId' in scope;
    return queryRows<JobEventRecord>(
      this.manager,
      `SELECT ${EVENT_COLUMNS} FROM job_events e
       WHERE (e.id > $1::bigint ${oneJob ? '' : 'OR e.tx >= $4::bigint'})
         AND ${scopeCondition(scope, '$2')}
       ORDER BY e.id LIMIT $3`,
      [after.eventId, scopeValue(scope), limit, ...(oneJob ? [] : [after.xmin])],
    );
  }

  /** As eventsAfter, for one job's log lines. */
  async logsAfter(jobId: string, after: StreamPosition, limit: number): Promise<JobLogRecord[]> {
    return queryRows<JobLogRecord>(
      this.manager,
      `SELECT ${LOG_COLUMNS} FROM job_logs l
       WHERE l.job_id = $3 AND (l.id > $1::bigint OR l.tx >= $2::bigint)
       ORDER BY l.id LIMIT $4`,
      [after.logId, after.xmin, jobId, limit],
    );
  }

  /** Whether `at` is more than `seconds` ago by the database clock. */
  async olderThan(at: Date, seconds: number): Promise<boolean> {
    const [{ old }] = await queryRows<{ old: boolean }>(
      this.manager,
      `SELECT $1::timestamptz < now() - make_interval(secs => $2) AS old`,
      [at, seconds],
    );
    return old;
  }

  /** The job's result, for the stream of a job that completed. */
  async resultOf(jobId: string): Promise<unknown> {
    const [row] = await queryRows<{ results: unknown }>(
      this.manager,
      `SELECT results FROM jobs WHERE id = $1`,
      [jobId],
    );
    return row?.results ?? null;
  }

  /**
   * Deletes events older than `keepSeconds` and registrations that expired that long ago.
   * Returns how many events went.
   */
  async prune(keepSeconds: number): Promise<number> {
    await queryRows(
      this.manager,
      `DELETE FROM event_listeners WHERE expires_at < now() - make_interval(secs => $1)`,
      [keepSeconds],
    );
    const rows = await queryRows<{ n: number }>(
      this.manager,
      `WITH gone AS (DELETE FROM job_events WHERE created_at < now() - make_interval(secs => $1) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [keepSeconds],
    );
    return rows[0].n;
  }
}
