import { type JobLogLevel, type JobLogSource, queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';

export interface JobLogEntry {
  level: JobLogLevel;
  message: string;
  source: JobLogSource;
  attempt: number | null;
  createdAt: Date;
}

/** Lines returned at most for one job; a handler that logs more shows its first ones. */
export const MAX_LOG_LINES = 10_000;

/**
 * Reads a job's execution log, oldest first: the lines written to job_logs, and the current
 * attempt's "attempt N started on <worker>" and "attempt N completed", which are derived from the
 * row itself: a claim and a completion write their row and nothing else (see JobsBatchService).
 * Earlier attempts keep the lines they wrote (their failure, with its error) but not which
 * worker started them: the row holds the current attempt only.
 */
@Injectable()
export class JobLogsService {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  async forJob(jobId: string): Promise<JobLogEntry[]> {
    const rows = await queryRows<{
      level: JobLogLevel;
      message: string;
      source: JobLogSource;
      attempt: number | null;
      created_at: Date;
    }>(
      this.manager,
      `SELECT level, message, source, attempt, created_at FROM (
         SELECT 'info' AS level, 'attempt ' || attempt || ' started on ' || held_by AS message,
           'worker' AS source, attempt, started_at AS created_at, 0 AS kind, 0::bigint AS id
         FROM jobs WHERE id = $1 AND started_at IS NOT NULL AND held_by IS NOT NULL
         UNION ALL
         SELECT level, message, source, attempt, created_at, 1, id FROM job_logs WHERE job_id = $1
         UNION ALL
         SELECT 'info', 'attempt ' || attempt || ' completed', 'worker', attempt, completed_at, 2, 0
         FROM jobs WHERE id = $1 AND status = 'completed'
       ) lines ORDER BY created_at, kind, id LIMIT $2`,
      [jobId, MAX_LOG_LINES],
    );
    return rows.map((r) => ({
      level: r.level,
      message: r.message,
      source: r.source,
      attempt: r.attempt,
      createdAt: r.created_at,
    }));
  }
}
