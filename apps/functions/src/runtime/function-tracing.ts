import { loadConfig, readEnv } from '@app/config';
import type { FunctionEvent } from '@app/lambda-orchestrator';
import {
  contextWithParent,
  flushTracing,
  jobTracer,
  runInSpan,
  spanContextOf,
  startTracing,
  tracingOn,
} from '@app/tracing';
import { context, SpanKind } from '@opentelemetry/api';

/** service.name of the functions' spans unless OTEL_SERVICE_NAME says otherwise. */
const SERVICE_NAME = 'jobqueue-functions';

let started = false;

/**
 * Runs one invocation inside a `job <type>` span, child of the worker's span the event names
 * (`traceparent`), and exports the spans before returning: Lambda freezes the instance once the
 * handler returns, and a span left in a batch might never leave. Tracing starts with the first
 * invocation, from the function's own OTEL_EXPORTER_OTLP_* variables (a malformed one fails the
 * invocation naming it); without them, or with no `traceparent`, the handler just runs.
 */
export async function traceInvocation<T>(
  event: FunctionEvent,
  functionName: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  if (!started) {
    await startTracing(loadConfig(readEnv(), ['tracing']).tracing, SERVICE_NAME);
    started = true;
  }
  const parent = spanContextOf(event.traceparent);
  if (!tracingOn() || !parent) return run();
  const span = jobTracer().startSpan(
    `job ${event.jobType}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'faas.name': functionName ?? 'unknown',
        'jobqueue.job.id': event.jobId,
        'jobqueue.job.type': event.jobType,
        'jobqueue.job.attempt': event.attempt,
      },
    },
    contextWithParent(parent),
  );
  try {
    return await runInSpan(span, context.active(), run);
  } finally {
    await flushTracing().catch(() => undefined); // a collector that is away must not fail the job
  }
}
