import { queryRows } from '@app/database';
import { SYSTEM_USER } from '@app/handlers';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import type { Schedule, ScheduleFields, SchedulePage, ScheduleScope } from './schedule.types';

export const SCHEDULE_COLUMNS = `id, user_id AS "userId", name, cron, time_zone AS "timeZone",
  job_type AS "jobType", payload, jitter_seconds AS "jitterSeconds", paused,
  next_run_at AS "nextRunAt", last_run_at AS "lastRunAt", last_job_id AS "lastJobId",
  last_error AS "lastError", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The next tick and when its job is submitted (the tick plus its jitter). */
export interface NextRun {
  nextRunAt: Date;
  dueAt: Date;
}

/** Changes to a schedule; `next` is set when the timetable (cron, zone, jitter) changed. */
export type ScheduleChanges = Partial<Omit<ScheduleFields, 'jobType'>> & { next?: NextRun };

const COLUMN_OF: Readonly<Record<keyof Omit<ScheduleFields, 'jobType'>, string>> = {
  name: 'name',
  cron: 'cron',
  timeZone: 'time_zone',
  payload: 'payload',
  jitterSeconds: 'jitter_seconds',
};

/**
 * The schedules table as the api sees it. A scope is one user's rows or all of them; a user's
 * scope never includes the system's schedules, even for a token whose `sub` is `system`.
 */
@Injectable()
export class SchedulesRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  /** Creates the schedule unless its owner has `limit` already (null then). */
  async create(
    userId: string,
    fields: ScheduleFields,
    next: NextRun,
    limit: number,
  ): Promise<Schedule | null> {
    const [row] = await this.query(
      `INSERT INTO schedules (user_id, name, cron, time_zone, job_type, payload, jitter_seconds, next_run_at, due_at)
       SELECT $1::varchar, $2::varchar, $3::varchar, $4::varchar, $5::varchar, $6::jsonb, $7::int,
         $8::timestamptz, $9::timestamptz
       WHERE (SELECT count(*) FROM schedules WHERE user_id = $1::varchar) < $10::int
       RETURNING ${SCHEDULE_COLUMNS}`,
      [userId, ...fieldValues(fields), next.nextRunAt, next.dueAt, limit],
    );
    return row ?? null;
  }

  /**
   * The system's schedule `name`, created with these fields unless it exists (then untouched:
   * admins may have edited it). Workers starting together create one row (unique index).
   */
  async seedSystem(fields: ScheduleFields & { name: string }, next: NextRun): Promise<void> {
    await this.query(
      `INSERT INTO schedules (user_id, name, cron, time_zone, job_type, payload, jitter_seconds, next_run_at, due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (name) WHERE user_id = '${SYSTEM_USER}' DO NOTHING`,
      [SYSTEM_USER, ...fieldValues(fields), next.nextRunAt, next.dueAt],
    );
  }

  async find(scope: ScheduleScope, id: string): Promise<Schedule | null> {
    const [row] = await this.query(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE id = $1 AND ${inScope(2)}`,
      [id, scopeParam(scope)],
    );
    return row ?? null;
  }

  /** Newest first. */
  async list(scope: ScheduleScope, page: number, limit: number): Promise<SchedulePage> {
    const items = await this.query(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE ${inScope(1)}
       ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [scopeParam(scope), limit, (page - 1) * limit],
    );
    const [{ total }] = await queryRows<{ total: number }>(
      this.manager,
      `SELECT count(*)::int AS total FROM schedules WHERE ${inScope(1)}`,
      [scopeParam(scope)],
    );
    return { items, page, limit, total };
  }

  /** Applies `changes` (only the fields given); null when the schedule is not in scope. */
  async update(
    scope: ScheduleScope,
    id: string,
    changes: ScheduleChanges,
  ): Promise<Schedule | null> {
    const sets: string[] = ['updated_at = now()'];
    const params: unknown[] = [id, scopeParam(scope)];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    for (const [key, column] of Object.entries(COLUMN_OF)) {
      const value = changes[key as keyof typeof COLUMN_OF];
      if (value !== undefined) set(column, key === 'payload' ? JSON.stringify(value) : value);
    }
    if (changes.next) {
      set('next_run_at', changes.next.nextRunAt);
      set('due_at', changes.next.dueAt);
    }
    const [row] = await this.query(
      `UPDATE schedules SET ${sets.join(', ')} WHERE id = $1 AND ${inScope(2)}
       RETURNING ${SCHEDULE_COLUMNS}`,
      params,
    );
    return row ?? null;
  }

  /** Pauses, or resumes from `next` (a paused schedule's ticks are skipped, not caught up). */
  async setPaused(
    scope: ScheduleScope,
    id: string,
    paused: boolean,
    next?: NextRun,
  ): Promise<Schedule | null> {
    const [row] = await this.query(
      `UPDATE schedules SET paused = $3, updated_at = now(),
         next_run_at = COALESCE($4, next_run_at), due_at = COALESCE($5, due_at)
       WHERE id = $1 AND ${inScope(2)} RETURNING ${SCHEDULE_COLUMNS}`,
      [id, scopeParam(scope), paused, next?.nextRunAt ?? null, next?.dueAt ?? null],
    );
    return row ?? null;
  }

  /** Deletes a schedule of the scope that is not the system's; whether one went. */
  async delete(scope: ScheduleScope, id: string): Promise<boolean> {
    const rows = await this.query(
      `DELETE FROM schedules WHERE id = $1 AND ${inScope(2)} AND user_id <> '${SYSTEM_USER}'
       RETURNING ${SCHEDULE_COLUMNS}`,
      [id, scopeParam(scope)],
    );
    return rows.length > 0;
  }

  private query(sql: string, params: unknown[]): Promise<Schedule[]> {
    return queryRows<Schedule>(this.manager, sql, params);
  }
}

const fieldValues = (f: ScheduleFields) => [
  f.name,
  f.cron,
  f.timeZone,
  f.jobType,
  JSON.stringify(f.payload),
  f.jitterSeconds,
];

/** `$n` is null for every row, or the one user whose rows are in scope (never the system's). */
const inScope = (n: number) =>
  `($${n}::text IS NULL OR (user_id = $${n} AND user_id <> '${SYSTEM_USER}'))`;

const scopeParam = (scope: ScheduleScope) => (scope === 'all' ? null : scope.userId);
