import { SYSTEM_USER } from '@app/handlers';
import { NEXT_RUNS, type Schedule, ticksAfter } from '@app/schedules';
import type { ScheduleDto } from './dto/schedule.response.dto';

/** A schedule as the api answers it, with its next NEXT_RUNS ticks (none while paused). */
export function toScheduleDto(s: Schedule): ScheduleDto {
  const nextRuns = s.paused ? [] : [s.nextRunAt, ...ticksAfter(s, s.nextRunAt, NEXT_RUNS - 1)];
  return {
    id: s.id,
    userId: s.userId,
    name: s.name,
    cron: s.cron,
    timeZone: s.timeZone,
    jobType: s.jobType,
    payload: s.payload,
    jitterSeconds: s.jitterSeconds,
    paused: s.paused,
    system: s.userId === SYSTEM_USER,
    nextRunAt: s.paused ? null : s.nextRunAt,
    nextRuns,
    lastRunAt: s.lastRunAt,
    lastJobId: s.lastJobId,
    lastError: s.lastError,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}
