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

/** Reads a job's execution log (job_logs), oldest first. */
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
      `SELECT level, message, source, attempt, created_at FROM job_logs
       WHERE job_id = $1 ORDER BY created_at, id LIMIT $2`,
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
