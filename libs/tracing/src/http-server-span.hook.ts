import {
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { jobTracer, tracingOn } from './trace-parent';

interface Request {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  routeOptions: { url?: string };
}

/** The part of a Fastify instance the hooks use (the libs do not depend on Fastify itself). */
interface FastifyHooks {
  addHook(
    name: 'onRequest',
    hook: (request: Request, reply: unknown, done: () => void) => void,
  ): unknown;
  addHook(
    name: 'onResponse',
    hook: (request: Request, reply: { statusCode: number }, done: () => void) => void,
  ): unknown;
}

const spans = new WeakMap<Request, Span>();

/**
 * A server span for each request to a route (template) that `traced` accepts, continuing the
 * caller's `traceparent`, active while the request is handled: a job submitted in it stores this
 * span as its parent, which is how the trace reaches the worker. Adds no hook when tracing is
 * off. Call before the app initialises (Fastify applies hooks to routes registered after them).
 */
export function traceHttpRequests(fastify: FastifyHooks, traced: (route: string) => boolean): void {
  if (!tracingOn()) return;
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined || !traced(route)) return done();
    const parent = propagation.extract(context.active(), request.headers);
    const span = jobTracer().startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route },
      },
      parent,
    );
    spans.set(request, span);
    // Fastify runs the rest of the request from this callback: it inherits the span's context
    context.with(trace.setSpan(parent, span), done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
