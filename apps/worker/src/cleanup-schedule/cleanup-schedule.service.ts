import { type AppConfig, ConfigError } from '@app/config';
import { JobCatalogue, SYSTEM_USER } from '@app/handlers';
import { JobSubmissionService, type Submitted } from '@app/jobs';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CronJob } from 'cron';

const JOB_TYPE = 'cleanup-jobs';

/**
 * Submits a `cleanup-jobs` job of every user's jobs (`allUsers`, which the api grants admins
 * only) as the user `system` on CLEANUP_CRON (UTC), as an ordinary job: it gets retries, logs,
 * the DLQ and a place in the api like any other. Every worker runs the schedule; the job's
 * idempotency key is the tick's UTC minute (`cleanup:2025-01-31T03:17Z`), so however many
 * workers fire the same tick, one job is created. The cost: ticks closer than a minute apart
 * (a 6-field expression) collapse into one job per minute.
 */
@Injectable()
export class CleanupSchedule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CleanupSchedule.name);
  private readonly cron: string | null;
  private job: CronJob | undefined;
  private firing: Promise<void> | undefined;

  constructor(
    private readonly catalogue: JobCatalogue,
    private readonly submission: JobSubmissionService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.cron = config.get('cleanup', { infer: true }).cron;
  }

  /** When the schedule fires next; null when CLEANUP_CRON is off (or after shutdown). */
  get nextRun(): Date | null {
    return this.job?.isActive ? this.job.nextDate().toJSDate() : null;
  }

  /** Refuses to start when the app's catalogue has no cleanup-jobs type to schedule. */
  onApplicationBootstrap(): void {
    if (this.cron === null) {
      this.logger.log('cleanup schedule off (CLEANUP_CRON=off)');
      return;
    }
    if (!this.catalogue.find(JOB_TYPE)) {
      throw new ConfigError([
        `CLEANUP_CRON schedules ${JOB_TYPE}, but this worker has no handler for that job type (set CLEANUP_CRON=off to run without the schedule)`,
      ]);
    }
    this.job = CronJob.from({
      cronTime: this.cron,
      timeZone: 'UTC',
      onTick: () => {
        this.firing ??= this.fire().finally(() => (this.firing = undefined));
      },
      start: true,
    });
    this.logger.log(`cleanup-jobs scheduled: ${this.cron} (UTC)`);
  }

  /**
   * Submits the cleanup job of the tick at `at` unless a worker already did; `created` says
   * which. Concurrent calls for one minute create one job (the key's unique index decides).
   */
  async tick(at: Date): Promise<Submitted> {
    const key = `cleanup:${at.toISOString().slice(0, 16)}Z`;
    const [submitted] = await this.submission.submit(SYSTEM_USER, [
      { jobType: JOB_TYPE, payload: { allUsers: true }, idempotencyKey: key },
    ]);
    return submitted;
  }

  /** Stops the schedule and lets a submission in flight finish while the database is open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.job?.stop();
    await this.firing;
  }

  private async fire(): Promise<void> {
    try {
      const { job, created } = await this.tick(new Date());
      if (created) this.logger.log(`submitted cleanup-jobs job ${job.id}`);
    } catch (error) {
      // the next tick tries again; a missed one only delays the clean-up
      this.logger.warn(
        `could not submit the cleanup-jobs job: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
