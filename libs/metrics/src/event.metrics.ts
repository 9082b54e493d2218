import { Counter, Gauge, type Registry } from 'prom-client';

/** The api's live event streams (GET /api/v1/jobs/events and /jobs/:id/events). */
export function eventMetrics(registers: Registry[]) {
  return {
    open: new Gauge({
      name: 'jobqueue_event_streams_open',
      help: 'Event streams this api instance serves now.',
      registers,
    }),
    ended: new Counter({
      name: 'jobqueue_event_streams_ended_total',
      help: 'Event streams ended, by reason (client-closed, slow-client, interrupted, shutdown).',
      labelNames: ['reason'],
      registers,
    }),
    sent: new Counter({
      name: 'jobqueue_events_sent_total',
      help: 'Events written to streams, by event name (status, progress, log, reset).',
      labelNames: ['event'],
      registers,
    }),
  };
}

export type EventMetrics = ReturnType<typeof eventMetrics>;
