import { Counter, type Registry } from 'prom-client';

/**
 * What the recovery sweeper did: `stalled` jobs taken from a dead worker, `retried` failed jobs
 * whose retry was due put back to pending, `expired` pending jobs cancelled past their expireAt,
 * `resent` pending jobs that got a new SQS message.
 */
export function sweeperMetrics(registers: Registry[]) {
  return {
    actions: new Counter({
      name: 'jobqueue_sweeper_actions_total',
      help: 'Jobs the recovery sweeper acted on, by action (stalled, retried, expired, released, resent, settled).',
      labelNames: ['action'],
      registers,
    }),
  };
}

export type SweeperMetrics = ReturnType<typeof sweeperMetrics>;
