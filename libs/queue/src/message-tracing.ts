import {
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  ROOT_CONTEXT,
} from '@opentelemetry/api';
import {
  activeTraceParent,
  contextWithParent,
  jobTracer,
  spanContextOf,
  tracingOn,
} from '@app/tracing';
import type { Pack } from './message-packing';

/**
 * Opens the relay's `send` span of each message whose jobs are traced and puts its context into
 * the message (`traceParent`, sent as the `traceparent` attribute). A message may announce jobs
 * of several traces (a burst from many requests): its span is a child of its first traced job
 * and links to the other jobs' spans, and every job keeps its own context in its row, which the
 * worker reads at the claim. Returns the function that ends the spans once the sends are known.
 * Does nothing when tracing is off.
 */
export function traceSends(packs: readonly Pack[]): (failed: ReadonlySet<Pack>) => void {
  if (!tracingOn()) return () => undefined;
  const spans = new Map<Pack, Span>();
  for (const pack of packs) {
    const parents = [...new Set(pack.rows.map((r) => r.traceParent))]
      .map(spanContextOf)
      .filter((c) => c !== undefined);
    if (parents.length === 0) continue;
    const [parent, ...others] = parents;
    const links: Link[] = others.map((context) => ({ context }));
    const span = jobTracer().startSpan(
      `send ${queueName(pack.message.queueUrl)}`,
      {
        kind: SpanKind.PRODUCER,
        links,
        attributes: {
          'messaging.system': 'aws_sqs',
          'messaging.operation.type': 'send',
          'messaging.destination.name': queueName(pack.message.queueUrl),
          'messaging.batch.message_count': pack.rows.length,
        },
      },
      contextWithParent(parent),
    );
    pack.message.traceParent = activeTraceParent(trace.setSpan(ROOT_CONTEXT, span)) ?? undefined;
    spans.set(pack, span);
  }
  return (failed) => {
    for (const [pack, span] of spans) {
      if (failed.has(pack)) span.setStatus({ code: SpanStatusCode.ERROR, message: 'not sent' });
      span.end();
    }
  };
}

function queueName(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}
