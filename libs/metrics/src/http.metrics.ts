import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Requests by route template (`/api/v1/jobs/:id`, never the URL: ids would make a series each),
 * method and status. A request no route matched is counted under route `unmatched`.
 */
export function httpMetrics(registers: Registry[]) {
  return {
    requests: new Counter({
      name: 'jobqueue_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: 'jobqueue_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its answer, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

export type HttpMetrics = ReturnType<typeof httpMetrics>;
