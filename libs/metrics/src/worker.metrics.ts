import { Gauge, type Registry } from 'prom-client';

/** One worker process's capacity; Prometheus's `instance` label tells the workers apart. */
export function workerMetrics(registers: Registry[]) {
  return {
    slots: new Gauge({
      name: 'jobqueue_worker_slots',
      help: 'Handlers this worker may run at once (WORKER_CONCURRENCY).',
      registers,
    }),
    inFlight: new Gauge({
      name: 'jobqueue_worker_jobs_in_flight',
      help: 'Handlers running in this worker now.',
      labelNames: ['job_type'],
      registers,
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof workerMetrics>;
