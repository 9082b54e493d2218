import { CronTime, validateCronExpression } from 'cron';

/** How many upcoming ticks a schedule's answer lists (`nextRuns`). */
export const NEXT_RUNS = 5;
/** Longest jitter, in seconds (also a CHECK constraint of the table). */
export const MAX_JITTER_SECONDS = 3600;

/** A schedule's timetable: a cron expression read in an IANA time zone. */
export interface Timetable {
  cron: string;
  timeZone: string;
}

/**
 * Why `cron` cannot be a schedule (the cron library's reason), or null. 5 fields (minute
 * resolution) or 6 (seconds first); an expression that never fires (`0 0 30 2 *`) is refused too.
 */
export function cronProblem(cron: string): string | null {
  const check = validateCronExpression(cron);
  if (!check.valid) return check.error?.message ?? 'not a cron expression';
  try {
    new CronTime(cron, 'UTC').getNextDateFrom(new Date(), 'UTC');
    return null;
  } catch {
    return 'never fires';
  }
}

/** Whether the runtime knows `name` as an IANA time zone (`Europe/Paris`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The first `count` ticks strictly after `after`. Expects a timetable that passed the checks. */
export function ticksAfter(t: Timetable, after: Date, count = 1): Date[] {
  const time = new CronTime(t.cron, t.timeZone);
  const ticks: Date[] = [];
  let at = after;
  while (ticks.length < count) {
    at = time.getNextDateFrom(at, t.timeZone).toJSDate();
    ticks.push(at);
  }
  return ticks;
}

/**
 * Where a schedule goes after firing the tick `tick` at `now` (the database's clock): the first
 * tick after both. Missed-ticks policy: however many ticks passed while nothing ran, the one
 * job submitted stands for all of them, and the schedule continues from the next future tick.
 */
export function tickAfterFiring(t: Timetable, tick: Date, now: Date): Date {
  return ticksAfter(t, tick > now ? tick : now)[0];
}

/** When the job of `tick` is submitted: the tick plus a random 0..jitterSeconds (whole ms). */
export function dueAt(tick: Date, jitterSeconds: number, rand: () => number = Math.random): Date {
  return new Date(tick.getTime() + Math.floor(rand() * jitterSeconds * 1000));
}
