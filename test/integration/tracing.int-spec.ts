import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JobStatus } from '@app/database';
import type { Job } from '@app/jobs';
import { type InMemoryTracing, startInMemoryTracing } from '@app/tracing';
import type { LambdaDevServer } from '../../tools/lambda-dev-server/lambda-dev-server';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  eventually,
} from '../e2e/support/api-fixture';
import { startSleepyEndpoint } from '../support/lambda-fixture';
import { sleepy } from '../support/lambda-test-handlers';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver';
import { createPipelineFixture } from '../support/pipeline-fixture';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

const completed = (job: Job) => job.status === JobStatus.Completed;

describe('tracing off (no SDK registered)', () => {
  it('leaves jobs.trace_parent NULL while a job is submitted and run', async () => {
    const fx = await createPipelineFixture();
    try {
      await fx.startWorker();
      const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: {} }]);
      await fx.waitFor(job.id, completed);
      const rows = await fx.db.dataSource.query<{ trace_parent: string | null }[]>(
        `SELECT trace_parent FROM jobs`,
      );
      expect(rows).toEqual([{ trace_parent: null }]);
    } finally {
      await fx.close();
    }
  });
});

/**
 * The trace of a job from the api to its handler: the api's request span, the relay's send span
 * (SQS message attribute), and the worker's claim, handler and completion spans, all in the
 * test process's in-memory exporter; a Lambda-routed job's function runs in a child process of
 * the local Lambda endpoint and exports its span over OTLP/HTTP to a receiver on loopback.
 */
describe('a job traced from POST /api/v1/jobs to its handler', () => {
  let tracing: InMemoryTracing;
  let fx: ApiFixture;
  let receiver: OtlpReceiver;
  let lambda: LambdaDevServer;

  beforeAll(async () => {
    tracing = await startInMemoryTracing();
    receiver = await startOtlpReceiver();
    fx = await createApiFixture({ types: [sleepy] });
    lambda = await startSleepyEndpoint(fx.db.url, {
      timeoutMs: 10_000,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
    });
    await fx.startWorker({
      lambda: {
        routes: { sleepy: { target: 'lambda', functionName: 'sleepy' } },
        endpoint: lambda.endpoint,
        timeoutMs: 10_000,
      },
    });
  });

  afterAll(async () => {
    await fx?.close();
    await lambda?.stop();
    await receiver?.close();
    await tracing?.stop();
  });

  /** POSTs a job as alice and waits until it completed; returns its id. */
  async function submit(jobType: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set({ ...bearer(fx.token('alice')), ...headers })
      .send({ jobType, payload: {} })
      .expect(202);
    const { id } = body<{ data: { id: string } }>(res).data;
    await fx.waitFor(id, completed);
    return id;
  }

  const spansOf = (jobId: string) =>
    tracing.spans().filter((s) => s.attributes['jobqueue.job.id'] === jobId);

  /** The worker's spans of a job once its completion span ended. */
  const workerSpans = (jobId: string) =>
    eventually(
      () => Promise.resolve(spansOf(jobId)),
      (spans) => spans.some((s) => s.name === 'complete'),
    );

  /** The request span of the POST that submitted the job with this trace id. */
  const apiSpan = (traceId: string) =>
    tracing
      .spans()
      .find(
        (s) =>
          s.name === 'POST /api/v1/jobs' &&
          s.kind === SpanKind.SERVER &&
          s.spanContext().traceId === traceId,
      );

  /** Names of the spans from `spanId` up to the root, through the in-memory spans. */
  function ancestry(spanId: string | undefined): string[] {
    const byId = new Map(tracing.spans().map((s) => [s.spanContext().spanId, s]));
    const names: string[] = [];
    for (let s = spanId && byId.get(spanId); s; s = byId.get(s.parentSpanContext?.spanId ?? ''))
      names.push(s.name);
    return names;
  }

  const one = (spans: ReadableSpan[], name: string) => {
    const found = spans.filter((s) => s.name === name);
    expect(found).toHaveLength(1);
    return found[0];
  };

  it('links the api span to the claim, handler and completion spans of an in-process job', async () => {
    const id = await submit('echo');
    const spans = await workerSpans(id);
    const handler = one(spans, 'job echo');
    const { traceId } = handler.spanContext();
    const api = apiSpan(traceId);
    // the api's POST span is in the handler's trace
    expect(api?.spanContext().traceId).toBe(traceId);
    for (const name of ['claim', 'complete'])
      expect(one(spans, name).spanContext().traceId).toBe(traceId);
    // the handler's parent is the relay's send span (the message's attribute), whose parent is the api's
    expect(ancestry(handler.spanContext().spanId)).toEqual([
      'job echo',
      'send ' + fx.queues.queueUrl.split('/').pop(),
      'POST /api/v1/jobs',
    ]);
    const [row] = await fx.db.dataSource.query<{ trace_parent: string }[]>(
      `SELECT trace_parent FROM jobs WHERE id = $1`,
      [id],
    );
    expect(row.trace_parent).toBe(`00-${traceId}-${api!.spanContext().spanId}-01`);
  });

  it("continues the caller's traceparent", async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const id = await submit('echo', { traceparent: `00-${callerTrace}-${callerSpan}-01` });
    const handler = one(await workerSpans(id), 'job echo');
    expect(handler.spanContext().traceId).toBe(callerTrace);
    expect(apiSpan(callerTrace)?.parentSpanContext?.spanId).toBe(callerSpan);
  });

  it("traces a batch as one request, every job's handler under a send span of it", async () => {
    const res = await fx
      .http()
      .post('/api/v1/jobs/batch')
      .set(bearer(fx.token('alice')))
      .send({ jobs: [1, 2, 3].map(() => ({ jobType: 'echo', payload: {} })) })
      .expect(202);
    const ids = body<{ data: { id: string }[] }>(res).data.map((j) => j.id);
    await Promise.all(ids.map((id) => fx.waitFor(id, completed)));
    for (const id of ids) {
      const handler = one(await workerSpans(id), 'job echo');
      expect(ancestry(handler.spanContext().spanId)).toEqual([
        'job echo',
        'send ' + fx.queues.queueUrl.split('/').pop(),
        'POST /api/v1/jobs/batch',
      ]);
    }
    // one request, one trace for all three jobs
    const traces = new Set(ids.map((id) => spansOf(id)[0].spanContext().traceId));
    expect(traces.size).toBe(1);
  });

  it("makes the Lambda function's handler span a child of the worker's span for the job", async () => {
    const id = await submit('sleepy');
    const spans = await workerSpans(id);
    const invoking = one(spans, 'job sleepy');
    const { traceId, spanId } = invoking.spanContext();
    expect(apiSpan(traceId)?.spanContext().traceId).toBe(traceId);
    const fromFunction = receiver.spans.filter(
      (s) => s.service === 'jobqueue-functions' && s.traceId === traceId,
    );
    expect(fromFunction).toEqual([
      expect.objectContaining({ name: 'job sleepy', parentSpanId: spanId }),
    ]);
    expect(ancestry(fromFunction[0].parentSpanId)).toEqual([
      'job sleepy',
      'send ' + fx.queues.queueUrl.split('/').pop(),
      'POST /api/v1/jobs',
    ]);
    expect(one(spans, 'claim').spanContext().traceId).toBe(traceId);
  });
});

/**
 * The worker as a process started from its environment (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, as
 * main.ts reads it): its spans leave over OTLP, the last ones when it stops, and hang from the
 * send span of the api's relay, which it learnt from the SQS message's attribute.
 */
describe('a worker process with an OTLP endpoint', () => {
  let tracing: InMemoryTracing;
  let receiver: OtlpReceiver;
  let fx: ApiFixture;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    tracing = await startInMemoryTracing();
    receiver = await startOtlpReceiver();
    fx = await createApiFixture();
  });

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await fx?.close();
    await receiver?.close();
    await tracing?.stop();
  });

  it("exports its claim, handler and completion spans, children of the relay's send span", async () => {
    worker = await spawnWorker({
      ...fx.config,
      tracing: { tracesUrl: `${receiver.endpoint}/v1/traces`, serviceName: undefined },
    });
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set(bearer(fx.token('alice')))
      .send({ jobType: 'echo', payload: {} })
      .expect(202);
    const { id } = body<{ data: { id: string } }>(res).data;
    await fx.waitFor(id, completed);
    worker.child.kill('SIGTERM');
    await worker.exited; // Nest re-raises SIGTERM once its shutdown hooks ran
    const send = tracing.spans().find((s) => s.name.startsWith('send '));
    const { traceId, spanId } = send!.spanContext();
    const fromWorker = receiver.spans.filter((s) => s.traceId === traceId);
    expect(fromWorker.map((s) => [s.service, s.name, s.parentSpanId]).sort()).toEqual([
      ['jobqueue-worker', 'claim', spanId],
      ['jobqueue-worker', 'complete', spanId],
      ['jobqueue-worker', 'job echo', spanId],
    ]);
  });
});
