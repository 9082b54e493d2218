import {
  context,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startInMemoryTracing } from './in-memory-tracing';
import { startTracing, stopTracing } from './start-tracing';
import { activeTraceParent, jobTracer, spanContextOf, tracingOn } from './trace-parent';

const SPAN_CONTEXT = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const OFF = { tracesUrl: undefined, serviceName: undefined };
const ENDPOINT = 'http://127.0.0.1:4318/v1/traces';

afterEach(async () => {
  await stopTracing();
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('startTracing', () => {
  it('registers nothing without an OTLP endpoint: the API stays a no-op and no context is read', async () => {
    expect(await startTracing(OFF, 'jobqueue-test')).toBe(false);
    expect(tracingOn()).toBe(false);
    const provider = trace.getTracerProvider() as ProxyTracerProvider;
    expect(provider.getDelegate()).toBe(new ProxyTracerProvider().getDelegate());
    expect(propagation.fields()).toEqual([]);
    expect(jobTracer().startSpan('x').isRecording()).toBe(false);
    // so a submission writes NULL into jobs.trace_parent, whatever context it runs in
    expect(activeTraceParent(trace.setSpanContext(ROOT_CONTEXT, SPAN_CONTEXT))).toBeNull();
    expect(spanContextOf(TRACEPARENT)).toBeUndefined();
  });

  it('registers the SDK with an endpoint: recording spans of the service, W3C traceparent', async () => {
    expect(
      await startTracing({ tracesUrl: ENDPOINT, serviceName: undefined }, 'jobqueue-test'),
    ).toBe(true);
    expect(tracingOn()).toBe(true);
    expect(propagation.fields()).toEqual(['traceparent', 'tracestate']);
    const span = jobTracer().startSpan('x');
    expect((span as unknown as ReadableSpan).resource.attributes['service.name']).toBe(
      'jobqueue-test',
    );
    const { traceId, spanId } = span.spanContext();
    const traceParent = activeTraceParent(trace.setSpan(ROOT_CONTEXT, span));
    expect(traceParent).toBe(`00-${traceId}-${spanId}-01`);
    expect(spanContextOf(traceParent)).toMatchObject({ traceId, spanId, isRemote: true });
    // not ended: an ended span would be exported to the endpoint, and a unit test sends nothing
  });

  it('names the service OTEL_SERVICE_NAME says', async () => {
    await startTracing({ tracesUrl: ENDPOINT, serviceName: 'eu-api' }, 'jobqueue-test');
    const span = jobTracer().startSpan('x') as unknown as ReadableSpan;
    expect(span.resource.attributes['service.name']).toBe('eu-api');
  });
});

describe('spanContextOf, tracing on', () => {
  it('reads a traceparent', async () => {
    const tracing = await startInMemoryTracing();
    expect(spanContextOf(TRACEPARENT)).toMatchObject({ ...SPAN_CONTEXT, isRemote: true });
    await tracing.stop();
  });

  it.each([null, '', 'garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`])(
    'reads %p as no parent',
    async (value) => {
      const tracing = await startInMemoryTracing();
      expect(spanContextOf(value)).toBeUndefined();
      await tracing.stop();
    },
  );
});
