import type { AppConfig } from '@app/config';
import { JobEventsRepository } from '@app/jobs';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

const EVERY_MS = 60_000;
/** Kept past the resume window: an api instance checks a cursor's age before it replays. */
const MARGIN_SECONDS = 120;

/**
 * Deletes job events no stream can resume from any more (older than EVENTS_RESUME_SECONDS plus
 * a margin), once a minute. Any number of workers may run it: deletes of the same old rows
 * simply find less to do.
 */
@Injectable()
export class JobEventsPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobEventsPruner.name);
  private readonly keepSeconds: number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly events: JobEventsRepository,
    config: ConfigService<AppConfig, true>,
  ) {
    this.keepSeconds = config.get('events', { infer: true }).resumeSeconds + MARGIN_SECONDS;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass; returns how many events went. A failure waits for the next pass. */
  async prune(): Promise<number> {
    try {
      return await this.events.prune(this.keepSeconds);
    } catch (error) {
      this.logger.warn(`could not prune job events: ${String(error)}`);
      return 0;
    }
  }
}
