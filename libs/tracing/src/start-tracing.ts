import type { TracingConfig } from '@app/config';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let started: NodeTracerProvider | undefined;

/**
 * Registers the OpenTelemetry SDK when an OTLP endpoint is configured, before the app is built:
 * spans go in batches to the collector (OTLP over HTTP, JSON), W3C `traceparent` propagation,
 * AsyncLocalStorage context. Without an endpoint it registers nothing and does not even load
 * the SDK, so the API stays the no-op it is by default and tracingOn() is false. Resolves to
 * whether tracing is on.
 */
export async function startTracing(
  config: TracingConfig,
  defaultServiceName: string,
): Promise<boolean> {
  if (config.tracesUrl === undefined || started) return started !== undefined;
  const { registerOtlp } = await import('./sdk');
  started = registerOtlp(config.tracesUrl, config.serviceName ?? defaultServiceName);
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
