import { Counter, Histogram, type Registry } from 'prom-client';

/** Seconds from 5 ms to an hour: no-op jobs claim in milliseconds, a backlog waits minutes. */
const WAIT_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];
/** Seconds from 5 ms to 15 minutes (WORKER_DEFAULT_TIMEOUT_MS and Lambda's limit). */
const RUN_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900,
];

/**
 * A job's life by type, counted in the process where each step happens: `created` where it is
 * submitted (api, or a worker's job sink), the rest in the worker that ran the attempt (and the
 * sweeper, for a job that lost its worker once too often). Every failed attempt is either
 * retried or dead-lettered, so failed = retried + dead_lettered.
 */
export function jobMetrics(registers: Registry[]) {
  const counter = (name: string, help: string) =>
    new Counter({ name: `jobqueue_jobs_${name}_total`, help, labelNames: ['job_type'], registers });
  return {
    created: counter('created', 'Jobs submitted (an idempotent replay creates none).'),
    started: counter('started', 'Attempts whose handler started (in-process or on Lambda).'),
    completed: counter('completed', 'Attempts that completed and were recorded.'),
    failed: counter(
      'failed',
      'Attempts recorded as failed: handler error, timeout, or a lost worker.',
    ),
    retried: counter('retried', 'Failed attempts scheduled for a retry with backoff.'),
    deadLettered: counter(
      'dead_lettered',
      'Jobs failed for good and copied to the dead-letter queue.',
    ),
    queueWait: new Histogram({
      name: 'jobqueue_job_queue_wait_seconds',
      help: 'Time from submission to the claim of the first attempt (database clock).',
      labelNames: ['job_type'],
      buckets: WAIT_BUCKETS,
      registers,
    }),
    runDuration: new Histogram({
      name: 'jobqueue_job_run_duration_seconds',
      help: 'Time a handler ran, from its start until it returned or threw (a timed-out one: until it stopped).',
      labelNames: ['job_type'],
      buckets: RUN_BUCKETS,
      registers,
    }),
  };
}

export type JobMetrics = ReturnType<typeof jobMetrics>;
