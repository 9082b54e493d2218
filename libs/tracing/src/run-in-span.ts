import { type Context, context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Runs `fn` with `span` active (under `parent`), marks the span failed when `fn` rejects (the
 * rejection is passed on) and ends it either way.
 */
export async function runInSpan<T>(span: Span, parent: Context, fn: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    throw error;
  } finally {
    span.end();
  }
}
