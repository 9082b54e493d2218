import { DomainError } from '@app/jobs';

export class ScheduleNotFoundError extends DomainError {
  readonly code = 'SCHEDULE_NOT_FOUND';
  constructor(scheduleId: string) {
    super(`Schedule ${scheduleId} does not exist`, { scheduleId });
  }
}

/** The user has MAX_SCHEDULES_PER_USER schedules already. */
export class ScheduleLimitReachedError extends DomainError {
  readonly code = 'SCHEDULE_LIMIT_REACHED';
  constructor(limit: number) {
    super(`A user may have at most ${limit} schedules; delete one first`, { limit });
  }
}

/** The system's own schedules (the clean-up) can be edited and paused by admins, never deleted. */
export class SystemScheduleError extends DomainError {
  readonly code = 'SCHEDULE_SYSTEM_OWNED';
  constructor(scheduleId: string) {
    super(`Schedule ${scheduleId} belongs to the system: pause it instead of deleting it`, {
      scheduleId,
    });
  }
}
