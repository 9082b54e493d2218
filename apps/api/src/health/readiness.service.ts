import type { AppConfig } from '@app/config';
import { WorkerPresence } from '@app/jobs';
import { QueueService, type QueueStats } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';

/** Longest wait for each dependency, in ms: a probe must answer well within a balancer's own. */
const PROBE_TIMEOUT_MS = 1500;

export type DependencyStatus = 'up' | 'down';

/**
 * What the api knows about its dependencies at `checkedAt`. `message` holds the raw error (hosts,
 * ARNs, driver text): it is for admins and the server log, never for the public /health.
 */
export interface ReadinessReport {
  checkedAt: Date;
  /** The api can serve requests: PostgreSQL answers. SQS and workers are information only. */
  ready: boolean;
  database: { status: DependencyStatus; latencyMs: number; message: string | null };
  sqs: { status: DependencyStatus; stats: QueueStats | null; message: string | null };
  /** Null when HEALTH_WORKER_MAX_AGE_MS is 0 (workers left out). */
  workers: {
    status: DependencyStatus;
    live: number | null;
    lastSeenAt: Date | null;
    maxAgeMs: number;
    message: string | null;
  } | null;
}

/**
 * Checks PostgreSQL, SQS and worker presence, and reuses the result for HEALTH_CACHE_MS: any
 * number of probes in that period cost one check, and concurrent ones share it. The api is
 * ready when PostgreSQL answers: a job it accepts while SQS is away waits in the outbox, and
 * one accepted while no worker runs waits in the queue. Each failure is logged once per check
 * with its raw text; callers decide how much of it to show.
 */
@Injectable()
export class Readiness {
  private readonly logger = new Logger(Readiness.name);
  private readonly cacheMs: number;
  private readonly workerMaxAgeMs: number;
  private last: { startedAt: number; report: Promise<ReadinessReport> } | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly presence: WorkerPresence,
    config: ConfigService<AppConfig, true>,
  ) {
    const http = config.get('http', { infer: true });
    this.cacheMs = http.healthCacheMs;
    this.workerMaxAgeMs = http.workerMaxAgeMs;
  }

  report(): Promise<ReadinessReport> {
    const now = Date.now();
    if (this.last && now - this.last.startedAt < this.cacheMs) return this.last.report;
    const report = this.check();
    this.last = { startedAt: now, report };
    return report;
  }

  private async check(): Promise<ReadinessReport> {
    const [database, sqs, workers] = await Promise.all([
      this.database(),
      this.sqs(),
      this.workers(),
    ]);
    return { checkedAt: new Date(), ready: database.status === 'up', database, sqs, workers };
  }

  private async database(): Promise<ReadinessReport['database']> {
    const started = Date.now();
    const outcome = await this.probe('database', this.dataSource.query('SELECT 1'));
    return {
      status: outcome.ok ? 'up' : 'down',
      latencyMs: Date.now() - started,
      message: outcome.ok ? null : outcome.message,
    };
  }

  private async sqs(): Promise<ReadinessReport['sqs']> {
    const outcome = await this.probe('sqs', this.queue.getQueueStats());
    return outcome.ok
      ? { status: 'up', stats: outcome.value, message: null }
      : { status: 'down', stats: null, message: outcome.message };
  }

  private async workers(): Promise<ReadinessReport['workers']> {
    const maxAgeMs = this.workerMaxAgeMs;
    if (maxAgeMs <= 0) return null;
    const outcome = await this.probe('workers', this.presence.summary(maxAgeMs));
    if (!outcome.ok)
      return { status: 'down', live: null, lastSeenAt: null, maxAgeMs, message: outcome.message };
    const { live, lastSeenAt } = outcome.value;
    return live > 0
      ? { status: 'up', live, lastSeenAt, maxAgeMs, message: null }
      : {
          status: 'down',
          live,
          lastSeenAt,
          maxAgeMs,
          message: `no worker heartbeat in the last ${maxAgeMs} ms`,
        };
  }

  /** `work`'s value if it settles in time; else the raw reason, logged here. */
  private async probe<T>(name: string, work: Promise<T>): Promise<Probed<T>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      return { ok: true, value: await Promise.race([work, timeout]) };
    } catch (error) {
      const message = error instanceof Error ? error.message || error.name : String(error);
      this.logger.warn(`health: ${name} is down: ${message}`);
      return { ok: false, message };
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
    }
  }
}

type Probed<T> = { ok: true; value: T } | { ok: false; message: string };
