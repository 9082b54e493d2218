import { JobCatalogue } from '@app/handlers';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { eventMetrics } from './event.metrics';
import { httpMetrics } from './http.metrics';
import { jobMetrics } from './job.metrics';
import { outboxMetrics } from './outbox.metrics';
import { sqsMetrics } from './sqs.metrics';
import { sweeperMetrics } from './sweeper.metrics';
import { workerMetrics } from './worker.metrics';

/** The Prometheus text format, version 0.0.4 (what every Prometheus scrapes). */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Label of a job type that is not in this process's catalogue (a newer deploy's, a bad row). */
export const OTHER_JOB_TYPE = 'other';

/**
 * Every metric of this process, in a registry of its own (not prom-client's global one, so two
 * apps in one process, as in the tests, never share counters), plus prom-client's default
 * process metrics. Code that sees an event counts it here: `metrics.jobs.completed.inc(...)`.
 * Job-type series exist from the start at zero for every catalogue type, so `rate()` and
 * `increase()` see a job type's first event.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly jobs = jobMetrics([this.registry]);
  readonly worker = workerMetrics([this.registry]);
  readonly sqs = sqsMetrics([this.registry]);
  readonly outbox = outboxMetrics([this.registry]);
  readonly sweeper = sweeperMetrics([this.registry]);
  readonly http = httpMetrics([this.registry]);
  readonly events = eventMetrics([this.registry]);
  private readonly logger = new Logger(Metrics.name);
  private readonly known: ReadonlySet<string> | undefined;
  private readonly collectors: (() => Promise<void>)[] = [];

  /** `catalogue`: the app's job types, the only label values `job_type` takes (tests may omit it). */
  constructor(@Optional() catalogue?: JobCatalogue) {
    collectDefaultMetrics({ register: this.registry });
    this.known = catalogue && new Set(catalogue.types());
    for (const type of this.known ?? []) this.zero(type);
  }

  /** The `job_type` label for `type`: itself when the catalogue has it, else OTHER_JOB_TYPE. */
  jobType(type: string): { job_type: string } {
    return { job_type: !this.known || this.known.has(type) ? type : OTHER_JOB_TYPE };
  }

  /**
   * Runs `collect` before every scrape, for values read from elsewhere (the outbox backlog in
   * PostgreSQL). It must bound its own time and never throw: a failure here fails no scrape.
   */
  onScrape(collect: () => Promise<void>): void {
    this.collectors.push(collect);
  }

  /** The text Prometheus scrapes, after running the collectors. */
  async render(): Promise<string> {
    await Promise.all(
      this.collectors.map((collect) =>
        collect().catch((error: unknown) =>
          this.logger.warn(`a metrics collector failed: ${String(error)}`),
        ),
      ),
    );
    return this.registry.metrics();
  }

  private zero(type: string): void {
    const labels = { job_type: type };
    const { queueWait, runDuration, ...counters } = this.jobs;
    for (const counter of Object.values(counters)) counter.inc(labels, 0);
    queueWait.zero(labels);
    runDuration.zero(labels);
    this.worker.inFlight.set(labels, 0);
  }
}
