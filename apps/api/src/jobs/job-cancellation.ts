import type { AppConfig } from '@app/config';
import { JobStatus } from '@app/database';
import { type Job, JobsService } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

/** Between looks at a job whose handler is being stopped, in ms. */
const POLL_MS = 100;

/**
 * Cancels a job as the specification's cancel response shows it: a pending one (or one waiting
 * for a retry) at once; a processing one is asked to stop, and the answer waits up to
 * CANCEL_WAIT_MS for its handler to stop, so a prompt stop answers `cancelled` too. Only a job
 * still processing after the wait is answered as a request in progress (202 `cancelRequested`).
 * The wait holds one HTTP request and reads one row every 100 ms; nothing else waits on it.
 */
@Injectable()
export class JobCancellation {
  private readonly waitMs: number;

  constructor(
    private readonly jobs: JobsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.waitMs = config.get('processor', { infer: true }).cancelWaitMs;
  }

  /** The job as the cancellation left it: cancelled, still processing, or finished before it noticed. */
  async cancel(id: string): Promise<Job> {
    const job = await this.jobs.cancel(id);
    if (job.status !== JobStatus.Processing) return job;
    const deadline = Date.now() + this.waitMs;
    let now = job;
    while (now.status === JobStatus.Processing && Date.now() < deadline) {
      await sleep(Math.min(POLL_MS, deadline - Date.now()));
      now = await this.jobs.getById(id);
    }
    return now;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
