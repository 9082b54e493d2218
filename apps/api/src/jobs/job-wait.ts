import { JobStatus } from '@app/database';
import { type Job, JobsService } from '@app/jobs';
import type { AppConfig } from '@app/config';
import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JobEventsHub } from '../events/job-events.hub';

/** Nothing will change this job unless someone re-queues it by hand. */
export function isSettled(job: Job): boolean {
  return (
    job.status === JobStatus.Completed ||
    job.status === JobStatus.Cancelled ||
    (job.status === JobStatus.Failed && job.nextRetryAt === null)
  );
}

/**
 * GET /jobs/:id?waitSeconds: holds the request until the job is settled, listening through the
 * instance's JobEventsHub (one LISTEN connection for every wait and stream) rather than polling.
 * It subscribes before it reads the job, so a change that commits between the two is either in
 * the read or delivered as an event. Each status event costs one read of the row (a failure's
 * event does not say whether a retry is scheduled). The wait ends early when the client goes
 * away or the hub loses PostgreSQL; the answer is then the job as it is. Waits and event
 * streams share the instance's EVENTS_MAX_STREAMS.
 */
@Injectable()
export class JobWait {
  private readonly maxStreams: number;

  constructor(
    private readonly hub: JobEventsHub,
    private readonly jobs: JobsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.maxStreams = config.get('events', { infer: true }).maxStreams;
  }

  async until(job: Job, seconds: number, clientGone: AbortSignal): Promise<Job> {
    if (seconds <= 0 || isSettled(job) || clientGone.aborted) return job;
    // a wait holds a subscription like a stream does, within the same EVENTS_MAX_STREAMS
    if (this.hub.streams >= this.maxStreams)
      throw new ServiceUnavailableException('This instance serves its most event streams; retry');
    const deadline = Date.now() + seconds * 1000; // starting the subscription counts too
    let wake: () => void = () => undefined;
    let changed = false;
    let ended = false;
    const nudge = (end: boolean) => {
      changed = true;
      ended ||= end;
      wake();
    };
    let unsubscribe: () => void;
    try {
      unsubscribe = await this.hub.subscribe({
        scope: { jobId: job.id },
        deliver: (item) => {
          if (item.type === 'event' && item.event.kind === 'status') nudge(false);
        },
        interrupt: () => nudge(true),
      });
    } catch {
      return this.jobs.getById(job.id); // no events to wait on: the job as it is
    }
    const timer = setTimeout(() => nudge(true), Math.max(0, deadline - Date.now()));
    const gone = () => nudge(true);
    clientGone.addEventListener('abort', gone);
    if (clientGone.aborted) gone(); // it left while the subscription was starting
    try {
      let now = await this.jobs.getById(job.id);
      while (!isSettled(now) && !ended) {
        if (!changed) await new Promise<void>((resolve) => (wake = resolve));
        changed = false;
        now = await this.jobs.getById(job.id);
      }
      return now;
    } finally {
      clearTimeout(timer);
      clientGone.removeEventListener('abort', gone);
      unsubscribe();
    }
  }
}
