import { setTimeout as sleep } from 'node:timers/promises';
import { OUTBOX_ROW_DUE } from '@app/jobs';
import { Metrics } from '@app/metrics';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';

/** A scrape waits this long for PostgreSQL, and the statement may run this long, in ms. */
const TIMEOUT_MS = 1000;
/** Rows counted at most: the count walks the partial index, so a large backlog stays cheap. */
const BACKLOG_CAP = 100_000;

/**
 * The outbox's backlog (unsent rows that are due: a delayed job's row counts from its due time)
 * and the age of its oldest such row, read from PostgreSQL when Prometheus scrapes (and for the
 * admin overview). Both walk `idx_queue_messages_due` (COALESCE(not_before, created_at) WHERE
 * sent_at IS NULL): the count stops at BACKLOG_CAP and the age reads one index entry. The statement runs under
 * its own statement_timeout, the scrape waits at most TIMEOUT_MS, and scrapes share a query
 * still running, so a frozen database pins one connection at most. Unknown values are NaN,
 * never a reassuring 0.
 */
@Injectable()
export class OutboxBacklog implements OnModuleInit {
  private readonly logger = new Logger(OutboxBacklog.name);
  private running: Promise<{ backlog: number; age: number } | undefined> | undefined;

  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.metrics.onScrape(() => this.collect());
  }

  async collect(): Promise<void> {
    const read = await this.snapshot();
    const { backlog, oldestAge } = this.metrics.outbox;
    backlog.set(read?.backlog ?? NaN);
    oldestAge.set(read?.age ?? NaN);
  }

  /** Unsent rows and the oldest one's age in seconds; undefined when PostgreSQL did not answer in time. */
  async snapshot(): Promise<{ backlog: number; age: number } | undefined> {
    this.running ??= this.read().finally(() => (this.running = undefined));
    const timeout = new AbortController();
    const read = await Promise.race([
      this.running,
      sleep(TIMEOUT_MS, undefined, { signal: timeout.signal }).catch(() => undefined),
    ]);
    timeout.abort();
    return read;
  }

  private async read(): Promise<{ backlog: number; age: number } | undefined> {
    try {
      return await this.manager.transaction(async (m) => {
        await m.query(`SET LOCAL statement_timeout = ${TIMEOUT_MS}`);
        const [row] = await m.query<{ backlog: number; age: number }[]>(
          `SELECT (SELECT count(*) FROM (SELECT 1 FROM queue_messages WHERE sent_at IS NULL
                                         AND ${OUTBOX_ROW_DUE} <= now() LIMIT ${BACKLOG_CAP}) u)::int AS backlog,
                  GREATEST(extract(epoch FROM now() - (SELECT min(${OUTBOX_ROW_DUE}) FROM queue_messages
                                                       WHERE sent_at IS NULL)), 0)::float8 AS age`,
        );
        return row;
      });
    } catch (error) {
      this.logger.warn(`reading the outbox backlog failed: ${String(error)}`);
      return undefined;
    }
  }
}
