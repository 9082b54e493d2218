import { CronField, JitterField, NameField, PayloadField, TimeZoneField } from './schedule-fields';

/**
 * PATCH: only the fields given change (`name: null` clears the name). A new cron, time zone or
 * jitter moves the next run to the new timetable's first tick from now; `jobType` cannot change.
 */
export class UpdateScheduleRequestDto {
  @NameField()
  name?: string | null;

  @CronField(false)
  cron?: string;

  @TimeZoneField(false)
  timeZone?: string;

  @PayloadField(false)
  payload?: Record<string, unknown>;

  @JitterField()
  jitterSeconds?: number;
}
