// Loaded only when tracing is on (start-tracing.ts, in-memory-tracing.ts import it dynamically):
// the SDK and the exporter take about 150 ms to load, which an app that does not trace, or a
// Lambda cold start, should not pay.
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * Registers the SDK globally: AsyncLocalStorage context, W3C traceparent propagation, and spans
 * handed to `processor`.
 */
function register(processor: SpanProcessor, serviceName?: string): NodeTracerProvider {
  const provider = new NodeTracerProvider({
    ...(serviceName
      ? { resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }) }
      : {}),
    spanProcessors: [processor],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return provider;
}

/** Spans exported in batches to an OTLP/HTTP collector (JSON bodies). */
export function registerOtlp(tracesUrl: string, serviceName: string): NodeTracerProvider {
  return register(new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl })), serviceName);
}

/** Spans kept in memory as they end (tests). */
export function registerInMemory(): {
  provider: NodeTracerProvider;
  exporter: InMemorySpanExporter;
} {
  const exporter = new InMemorySpanExporter();
  return { provider: register(new SimpleSpanProcessor(exporter)), exporter };
}
