import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type SpanContext,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator, TRACE_PARENT_HEADER } from '@opentelemetry/core';

/** The W3C header, and the name under which a job's context travels (SQS attribute, Lambda event). */
export const TRACEPARENT = TRACE_PARENT_HEADER;

const w3c = new W3CTraceContextPropagator();
const NO_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether an SDK is registered (startTracing, or a test's own provider). Every traced path asks
 * this first and, when off, does exactly what it did before tracing existed: no span objects, no
 * context switches, no trace column written. Two property reads.
 */
export function tracingOn(): boolean {
  return (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() !== NO_PROVIDER;
}

/** The tracer of this service's own spans. */
export function jobTracer(): Tracer {
  return trace.getTracer('jobqueue');
}

/** The active span's context as a W3C `traceparent`, or null (none, or tracing is off). */
export function activeTraceParent(ctx?: Context): string | null {
  if (!tracingOn()) return null;
  const carrier: Record<string, string> = {};
  w3c.inject(ctx ?? context.active(), carrier, defaultTextMapSetter);
  return carrier[TRACEPARENT] ?? null;
}

/** The span context a stored or received `traceparent` names; undefined when absent or malformed. */
export function spanContextOf(traceParent: string | null | undefined): SpanContext | undefined {
  if (!traceParent) return undefined;
  const ctx = w3c.extract(ROOT_CONTEXT, { [TRACEPARENT]: traceParent }, defaultTextMapGetter);
  const span = trace.getSpanContext(ctx);
  return span && isSpanContextValid(span) ? span : undefined;
}

/** A context whose parent is `parent` (remote), or the root context. */
export function contextWithParent(parent: SpanContext | undefined): Context {
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}
