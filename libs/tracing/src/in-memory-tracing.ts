import { context, propagation, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface InMemoryTracing {
  /** Spans ended so far, in the order they ended. */
  spans(): ReadableSpan[];
  reset(): void;
  /** Unregisters the SDK: the API is a no-op again (tracingOn() is false). */
  stop(): Promise<void>;
}

/**
 * For tests: registers the SDK as startTracing does (AsyncLocalStorage context, W3C
 * propagation), keeping every ended span in memory instead of exporting it.
 */
export async function startInMemoryTracing(): Promise<InMemoryTracing> {
  const { registerInMemory } = await import('./sdk');
  const { provider, exporter } = registerInMemory();
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async stop() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
