export { SchedulesModule } from './schedules.module';
export { ScheduleTickerModule } from './schedule-ticker.module';
export { CLEANUP_SCHEDULE, ScheduleTicker, TICKER_POLL_MS } from './schedule-ticker';
export { SchedulesRepository, type NextRun, type ScheduleChanges } from './schedules.repository';
export {
  MAX_JITTER_SECONDS,
  NEXT_RUNS,
  cronProblem,
  dueAt,
  isTimeZone,
  ticksAfter,
  type Timetable,
} from './cron-schedule';
export type { Schedule, ScheduleFields, SchedulePage, ScheduleScope } from './schedule.types';
export {
  ScheduleLimitReachedError,
  ScheduleNotFoundError,
  SystemScheduleError,
} from './schedule.errors';
