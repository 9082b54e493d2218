import { Injectable } from '@nestjs/common';
import { Metrics } from './metrics';

/** The part of a Fastify instance the hook uses (the libs do not depend on Fastify itself). */
interface FastifyHooks {
  addHook(
    name: 'onResponse',
    hook: (
      request: { method: string; routeOptions: { url?: string } },
      reply: { statusCode: number; elapsedTime: number },
      done: () => void,
    ) => void,
  ): unknown;
}

/** Route label of a request no route matched (404s of probes and scanners, one series). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts every answer of an app's HTTP server in Fastify's onResponse hook, so requests refused
 * before any controller ran (401, 404, 413, 429) are counted with their route template too.
 */
@Injectable()
export class HttpMetricsHook {
  constructor(private readonly metrics: Metrics) {}

  /** Call before the app initialises: Fastify applies hooks to the routes registered after them. */
  attach(fastify: FastifyHooks): void {
    const { requests, duration } = this.metrics.http;
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
      requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
      done();
    });
  }
}
