/** A recurring job as stored (table `schedules`). */
export interface Schedule {
  id: string;
  userId: string;
  name: string | null;
  cron: string;
  timeZone: string;
  jobType: string;
  payload: unknown;
  jitterSeconds: number;
  paused: boolean;
  /** The next tick (while paused: the one it had when paused; resume computes a new one). */
  nextRunAt: Date;
  /** The tick of the last job submitted. */
  lastRunAt: Date | null;
  lastJobId: string | null;
  /** Why the last due tick submitted nothing (e.g. its payload no longer passes); null after a job. */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a caller sets; the payload has passed its job type's class. */
export interface ScheduleFields {
  name: string | null;
  cron: string;
  timeZone: string;
  jobType: string;
  payload: object;
  jitterSeconds: number;
}

/** Whose schedules a call may touch: one user's, or (admins) everyone's. */
export type ScheduleScope = { userId: string } | 'all';

export interface SchedulePage {
  items: Schedule[];
  page: number;
  limit: number;
  total: number;
}
