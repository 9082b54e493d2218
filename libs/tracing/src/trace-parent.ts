import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type SpanContext,
  trace,
  type Tracer,
} from '@opentelemetry/api';

/** The W3C header, and the name a job's context travels under (SQS attribute, Lambda event). */
export const TRACEPARENT = 'traceparent';

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

/** The active span's context as a W3C `traceparent`, or null (no span, or tracing is off). */
export function activeTraceParent(ctx?: Context): string | null {
  if (!tracingOn()) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx ?? context.active(), carrier, defaultTextMapSetter);
  return carrier[TRACEPARENT] ?? null;
}

/**
 * The span context a stored or received `traceparent` names, read with the registered (W3C)
 * propagator; undefined when absent or malformed, and always while tracing is off.
 */
export function spanContextOf(traceParent: string | null | undefined): SpanContext | undefined {
  if (!traceParent) return undefined;
  const ctx = propagation.extract(
    ROOT_CONTEXT,
    { [TRACEPARENT]: traceParent },
    defaultTextMapGetter,
  );
  const span = trace.getSpanContext(ctx);
  return span && isSpanContextValid(span) ? span : undefined;
}

/** A context whose parent is `parent` (remote), or the root context. */
export function contextWithParent(parent: SpanContext | undefined): Context {
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}
