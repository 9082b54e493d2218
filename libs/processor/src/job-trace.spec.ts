import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JobEntity } from '@app/database';
import type { Job } from '@app/jobs';
import { type InMemoryTracing, startInMemoryTracing } from '@app/tracing';
import { inJobSpan, JobTrace } from './job-trace';

const API = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const SEND_SAME_TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01';
const SEND_OTHER_TRACE = '00-0af7651916cd43dd8448eb211c80319c-b9c7c989f97918e1-01';

const job = (traceParent: string | null): Job =>
  Object.assign(new JobEntity(), {
    id: '00000000-0000-4000-8000-000000000001',
    jobType: 'echo',
    attempt: 2,
    traceParent,
  });
const claim = (messageTraceParent?: string) => ({
  startedAt: 1000,
  endedAt: 1002,
  messageTraceParent,
});

describe('JobTrace', () => {
  let tracing: InMemoryTracing;
  const spans = (): Record<string, ReadableSpan> =>
    Object.fromEntries(tracing.spans().map((s) => [s.name, s]));
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

  beforeAll(async () => (tracing = await startInMemoryTracing()));
  afterEach(() => tracing.reset());
  afterAll(() => tracing.stop());

  it("hangs claim, handler and completion from the message's send span when it is the job's trace", async () => {
    const t = JobTrace.claimed(job(API), claim(SEND_SAME_TRACE))!;
    await t.inSpan('job echo', () => Promise.resolve());
    await t.inSpan('complete', () => Promise.resolve());
    const { claim: c, 'job echo': handler, complete } = spans();
    for (const s of [c, handler, complete]) {
      expect(s.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(parentOf(s)).toBe('b7ad6b7169203331');
    }
    expect(c.attributes).toMatchObject({ 'jobqueue.job.type': 'echo', 'jobqueue.job.attempt': 2 });
    expect(c.links).toEqual([]);
  });

  it("hangs them from the job's submitting span, linking the message, when a packed message came from another trace", async () => {
    const t = JobTrace.claimed(job(API), claim(SEND_OTHER_TRACE))!;
    await t.inSpan('job echo', () => Promise.resolve());
    const { claim: c, 'job echo': handler } = spans();
    expect(parentOf(c)).toBe('00f067aa0ba902b7');
    expect(parentOf(handler)).toBe('00f067aa0ba902b7');
    expect(c.links.map((l) => l.context.spanId)).toEqual(['b9c7c989f97918e1']);
  });

  it('starts a trace of its own for a job submitted untraced, rooted at its claim', async () => {
    const t = JobTrace.claimed(job(null), claim())!;
    await t.inSpan('job echo', () => Promise.resolve());
    await t.inSpan('complete', () => Promise.resolve());
    const { claim: c, 'job echo': handler, complete } = spans();
    expect(c.parentSpanContext).toBeUndefined();
    for (const s of [handler, complete]) {
      expect(s.spanContext().traceId).toBe(c.spanContext().traceId);
      expect(parentOf(s)).toBe(c.spanContext().spanId);
    }
  });

  it('makes the handler span active while it runs and marks it failed when it throws', async () => {
    const t = JobTrace.claimed(job(API), claim())!;
    let active: string | undefined;
    await expect(
      inJobSpan(t, 'job echo', () => {
        active = trace.getActiveSpan()?.spanContext().spanId;
        return Promise.reject(new Error('boom'));
      }),
    ).rejects.toThrow('boom');
    const handler = spans()['job echo'];
    expect(active).toBe(handler.spanContext().spanId);
    expect(handler.status).toEqual({ code: 2, message: 'Error: boom' });
  });
});

describe('JobTrace with tracing off', () => {
  it('records nothing and runs the function as it is', async () => {
    expect(JobTrace.claimed(job(API), claim(SEND_SAME_TRACE))).toBeUndefined();
    await expect(inJobSpan(undefined, 'job echo', () => Promise.resolve(7))).resolves.toBe(7);
  });
});
