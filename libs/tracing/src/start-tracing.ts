import type { TracingConfig } from '@app/config';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

let started: NodeTracerProvider | undefined;

/**
 * Registers the OpenTelemetry SDK when an OTLP endpoint is configured, before the app is built:
 * spans go in batches to the collector (OTLP over HTTP, JSON), W3C `traceparent` propagation,
 * AsyncLocalStorage context. Without an endpoint it registers nothing, so the API stays the
 * no-op it is by default and tracingOn() is false. Returns whether tracing is on.
 */
export function startTracing(config: TracingConfig, defaultServiceName: string): boolean {
  if (config.tracesUrl === undefined || started) return started !== undefined;
  started = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName ?? defaultServiceName,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }))],
  });
  started.register({ propagator: new W3CTraceContextPropagator() });
  return true;
}

/** Sends the spans still buffered (a Lambda function, before it returns and is frozen). */
export async function flushTracing(): Promise<void> {
  await started?.forceFlush();
}

/** Sends what is buffered and stops exporting (an app shutting down). */
export async function stopTracing(): Promise<void> {
  const provider = started;
  started = undefined;
  await provider?.shutdown();
}
