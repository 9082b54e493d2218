import { type AppConfig, ConfigError } from '@app/config';
import { JobCatalogue } from '@app/handlers';
import { JobSubmissionService, type Submitted } from '@app/jobs';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { dueAt, tickAfterFiring, ticksAfter } from './cron-schedule';
import { advance, claimDue, type Fired, nextDue } from './due-schedules';
import type { Schedule } from './schedule.types';
import { SchedulesRepository } from './schedules.repository';

/**
 * Longest an idle ticker sleeps, in ms: how long a new, edited or resumed schedule may wait to be
 * seen, and what an idle worker costs PostgreSQL (one index look-up per TICKER_POLL_MS).
 */
export const TICKER_POLL_MS = 1000;
/** Schedules claimed (and their jobs submitted) per transaction. */
const CLAIM_BATCH = 100;
/** The system's clean-up schedule (a row of user `system`, seeded from CLEANUP_CRON). */
export const CLEANUP_SCHEDULE = 'cleanup';
const CLEANUP_JOB_TYPE = 'cleanup-jobs';

/**
 * Runs the schedules table in every worker. It sleeps until the earliest due time (at most
 * TICKER_POLL_MS), then in ONE transaction claims the due schedules (FOR UPDATE SKIP LOCKED),
 * submits one job per schedule through JobSubmissionService.submitWithin and moves each schedule
 * to its next tick. So any number of workers, crashes and restarts make exactly one job per tick:
 * a tick's job and the move past it commit together or not at all, and the job's idempotency key
 * (`schedule:<id>:<tick>`) would refuse a second one. Missed ticks (nothing ran, or the
 * schedule was claimed late) make one job, for the oldest, and the schedule goes on from the next
 * future tick (tickAfterFiring). A schedule whose payload no longer passes its type submits nothing
 * and records why (`last_error`); it goes on ticking. One whose timetable cannot be read any more
 * is paused with the reason, so no row can block the others.
 */
@Injectable()
export class ScheduleTicker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduleTicker.name);
  private readonly cleanupCron: string | null;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private failing = false;

  constructor(
    private readonly catalogue: JobCatalogue,
    private readonly submission: JobSubmissionService,
    private readonly schedules: SchedulesRepository,
    @InjectEntityManager() private readonly manager: EntityManager,
    config: ConfigService<AppConfig, true>,
  ) {
    this.cleanupCron = config.get('cleanup', { infer: true }).cron;
  }

  /** Seeds the clean-up schedule (CLEANUP_CRON), then starts ticking. */
  async onApplicationBootstrap(): Promise<void> {
    await this.seedCleanup();
    this.loop = this.run();
  }

  /** Stops ticking and lets a transaction in flight finish while the database is open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
    await this.loop;
  }

  /**
   * Fires every due schedule, then answers how long to sleep (ms): until the earliest due time,
   * at most TICKER_POLL_MS. Costs one query when nothing is due.
   */
  async pass(): Promise<number> {
    const { due, now } = await nextDue(this.manager);
    if (due === null) return TICKER_POLL_MS;
    if (due > now) return Math.min(due.getTime() - now.getTime(), TICKER_POLL_MS);
    let fired = CLAIM_BATCH;
    while (fired === CLAIM_BATCH && !this.stopped) fired = await this.fireDue();
    return 0;
  }

  /** One transaction: claim, submit, move on. Answers how many schedules it claimed. */
  private async fireDue(): Promise<number> {
    const { claimed, submitted } = await this.manager.transaction(async (tx) => {
      const rows = await claimDue(tx, CLAIM_BATCH);
      const requests = rows.map((row) => this.request(row));
      const valid = requests.filter((r) => r.error === null);
      const jobs = await this.submission.submitWithin(
        tx,
        valid.map((r) => r.item),
      );
      const jobOf = new Map(valid.map((r, i) => [r.row.id, jobs[i]]));
      await advance(
        tx,
        requests.map(({ row, next, error }) => this.fired(row, next, jobOf.get(row.id), error)),
      );
      return { claimed: rows.length, submitted: jobs };
    });
    this.submission.announce(submitted);
    return claimed;
  }

  private request(row: Schedule & { dbNow: Date }) {
    let next: Date | null;
    try {
      next = tickAfterFiring(row, row.nextRunAt, row.dbNow);
    } catch {
      next = null; // written before a check that now refuses it (or a zone the runtime dropped)
    }
    const item = {
      userId: row.userId,
      request: {
        jobType: row.jobType,
        payload: row.payload,
        idempotencyKey: `schedule:${row.id}:${row.nextRunAt.toISOString()}`,
      },
    };
    if (next === null)
      return {
        row,
        item,
        next,
        error: `paused: cron "${row.cron}" in ${row.timeZone} has no next tick`,
      };
    try {
      item.request.payload = this.submission.validate(row.userId, row.jobType, row.payload);
      return { row, item, next, error: null };
    } catch (error) {
      return { row, item, next, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private fired(
    row: Schedule,
    next: Date | null,
    submitted: Submitted | undefined,
    error: string | null,
  ): Fired {
    const nextRunAt = next ?? row.nextRunAt;
    return {
      id: row.id,
      tick: row.nextRunAt,
      nextRunAt,
      dueAt: next ? dueAt(nextRunAt, row.jitterSeconds) : nextRunAt,
      jobId: submitted?.job.id ?? null,
      error,
      pause: next === null,
    };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let sleepMs = TICKER_POLL_MS;
      try {
        sleepMs = await this.pass();
        if (this.failing) this.logger.log('schedules are ticking again');
        this.failing = false;
      } catch (error) {
        // logged once per outage; the next pass tries again, and missed ticks fire once
        if (!this.failing)
          this.logger.warn(
            `schedules could not tick: ${error instanceof Error ? error.message : String(error)}`,
          );
        this.failing = true;
      }
      if (sleepMs > 0 && !this.stopped) await this.sleep(sleepMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping = undefined;
        resolve();
      }, ms);
      this.sleeping = { timer, wake: resolve };
    });
  }

  /**
   * Creates the system's clean-up schedule from CLEANUP_CRON (UTC) unless it exists: after that,
   * admins edit it through the api and CLEANUP_CRON is not read again. `off` creates nothing.
   */
  private async seedCleanup(): Promise<void> {
    if (this.cleanupCron === null) return;
    if (!this.catalogue.find(CLEANUP_JOB_TYPE)) {
      throw new ConfigError([
        `CLEANUP_CRON schedules ${CLEANUP_JOB_TYPE}, but this worker has no handler for that job type (set CLEANUP_CRON=off to run without the schedule)`,
      ]);
    }
    const timetable = { cron: this.cleanupCron, timeZone: 'UTC' };
    const [nextRunAt] = ticksAfter(timetable, new Date());
    await this.schedules.seedSystem(
      {
        ...timetable,
        name: CLEANUP_SCHEDULE,
        jobType: CLEANUP_JOB_TYPE,
        payload: { allUsers: true },
        jitterSeconds: 0,
      },
      { nextRunAt, dueAt: nextRunAt },
    );
  }
}
