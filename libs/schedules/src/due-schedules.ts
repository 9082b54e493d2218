import { queryRows } from '@app/database';
import type { EntityManager } from 'typeorm';
import { SCHEDULE_COLUMNS } from './schedules.repository';
import type { Schedule } from './schedule.types';

/**
 * The ticker's statements. Times come from the database's clock (clock_timestamp()), so workers
 * with skewed clocks agree on what is due.
 */

/** The earliest due time of the unpaused schedules (null: none), and the database's now. */
export async function nextDue(manager: EntityManager): Promise<{ due: Date | null; now: Date }> {
  const [row] = await queryRows<{ due: Date | null; now: Date }>(
    manager,
    `SELECT min(due_at) AS due, clock_timestamp() AS now FROM schedules WHERE NOT paused`,
    [],
    { prepared: true },
  );
  return row;
}

/**
 * Locks up to `limit` due schedules for the caller's transaction, skipping those another
 * worker holds. A row another worker moved on meanwhile is re-checked against its new due time
 * (READ COMMITTED), so a tick is claimed once.
 */
export function claimDue(
  tx: EntityManager,
  limit: number,
): Promise<(Schedule & { dbNow: Date })[]> {
  return queryRows(
    tx,
    `SELECT ${SCHEDULE_COLUMNS}, clock_timestamp() AS "dbNow" FROM schedules
     WHERE NOT paused AND due_at <= clock_timestamp()
     ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
    { prepared: true },
  );
}

/** What firing a schedule's tick came to. */
export interface Fired {
  id: string;
  /** The tick fired (the schedule's next_run_at when claimed). */
  tick: Date;
  nextRunAt: Date;
  dueAt: Date;
  /** The tick's job; null when it could not be submitted (`error` says why). */
  jobId: string | null;
  error: string | null;
  /** Its timetable cannot be read any more (no next tick): paused, so it cannot block the rest. */
  pause: boolean;
}

/** Moves the claimed schedules on, in one statement. */
export async function advance(tx: EntityManager, fired: readonly Fired[]): Promise<void> {
  if (fired.length === 0) return;
  await queryRows(
    tx,
    `UPDATE schedules s SET next_run_at = u.next, due_at = u.due, paused = s.paused OR u.pause,
       last_run_at = CASE WHEN u.job_id IS NULL THEN s.last_run_at ELSE u.tick END,
       last_job_id = COALESCE(u.job_id, s.last_job_id), last_error = u.error
     FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::uuid[], $6::varchar[], $7::bool[])
       AS u(id, next, due, tick, job_id, error, pause)
     WHERE s.id = u.id`,
    [
      fired.map((f) => f.id),
      fired.map((f) => f.nextRunAt),
      fired.map((f) => f.dueAt),
      fired.map((f) => f.tick),
      fired.map((f) => f.jobId),
      fired.map((f) => f.error?.slice(0, 1000) ?? null),
      fired.map((f) => f.pause),
    ],
    { prepared: true },
  );
}
