import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The transactional outbox (queue_messages). The relay counts rows as it sends them; backlog and
 * age are read from PostgreSQL when Prometheus scrapes (see OutboxBacklog in libs/queue).
 */
export function outboxMetrics(registers: Registry[]) {
  return {
    relayed: new Counter({
      name: 'jobqueue_outbox_rows_relayed_total',
      help: 'Outbox rows the relay handed to SQS, by outcome (sent, failed: retried next pass).',
      labelNames: ['outcome'],
      registers,
    }),
    backlog: new Gauge({
      name: 'jobqueue_outbox_backlog_rows',
      help: 'Outbox rows not yet sent to SQS (counted up to 100000); NaN when the query failed.',
      registers,
    }),
    oldestAge: new Gauge({
      name: 'jobqueue_outbox_oldest_unsent_age_seconds',
      help: 'Age of the oldest unsent outbox row (0 when none); NaN when the query failed.',
      registers,
    }),
  };
}

export type OutboxMetrics = ReturnType<typeof outboxMetrics>;
