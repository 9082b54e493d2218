import { JobStatus } from '@app/database';
import type { Job } from '@app/jobs';
import type { LambdaDevServer } from '../../tools/lambda-dev-server/lambda-dev-server';
import { DlqReader } from '../support/dlq-reader';
import { startSleepyEndpoint } from '../support/lambda-fixture';
import { sleepy, type SleepyPayload } from '../support/lambda-test-handlers';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { requireTestEnv } from '../support/test-env';

/**
 * One job type, two places to run: the worker itself (no JOB_ROUTES entry) and the local Lambda
 * endpoint (`sleepy:lambda:sleepy`). Everything else is the same real pipeline: api-side
 * submission, SQS, the worker's JobProcessor, retries, the DLQ.
 */
describe('the same job type run in the worker and as a Lambda function', () => {
  let inWorker: PipelineFixture;
  let inLambda: PipelineFixture;
  let server: LambdaDevServer;

  beforeAll(async () => {
    [inWorker, inLambda] = await Promise.all([
      createPipelineFixture({ types: [sleepy] }),
      createPipelineFixture({ types: [sleepy] }),
    ]);
    server = await startSleepyEndpoint(inLambda.db.url, { timeoutMs: 10_000 });
    await inWorker.startWorker();
    await inLambda.startWorker({
      lambda: {
        routes: { sleepy: { target: 'lambda', functionName: 'sleepy' } },
        endpoint: server.endpoint,
        timeoutMs: 10_000,
      },
    });
  });

  afterAll(async () => {
    await Promise.all([inWorker?.close(), inLambda?.close()]);
    await server?.stop();
  });

  const finished = (job: Job) =>
    job.status === JobStatus.Completed ||
    job.status === JobStatus.Cancelled ||
    (job.status === JobStatus.Failed && job.nextRetryAt === null);

  /** Runs `payload` on both sides and returns the finished jobs. */
  async function runBoth(payload: SleepyPayload): Promise<[Job, Job]> {
    const [[a], [b]] = await Promise.all([
      inWorker.submit('alice', [{ jobType: 'sleepy', payload }]),
      inLambda.submit('alice', [{ jobType: 'sleepy', payload }]),
    ]);
    return Promise.all([inWorker.waitFor(a.id, finished), inLambda.waitFor(b.id, finished)]);
  }

  /**
   * What both paths must agree on. A failed attempt's last progress may differ: the worker
   * writes progress with its heartbeat, a function writes it at once (throttled).
   */
  const record = (job: Job) => ({
    status: job.status,
    results: job.results,
    retryCount: job.retryCount,
    errorMessage: job.errorMessage,
    nextRetryAt: job.nextRetryAt,
    ...(job.status === JobStatus.Completed ? { progress: job.progress } : {}),
  });

  const logs = (fx: PipelineFixture, jobId: string) =>
    fx.db.dataSource.query<{ source: string; message: string; level: string }[]>(
      `SELECT source, message, level FROM job_logs WHERE job_id = $1 ORDER BY id`,
      [jobId],
    );

  it('completes with the same record: status, results, retries and progress 100, with logs', async () => {
    const [a, b] = await runBoth({ lines: 2, sleepMs: 100 });
    expect(record(b)).toEqual(record(a));
    expect(record(a)).toMatchObject({
      status: 'completed',
      results: { attempt: 1, blobLength: 0, jobType: 'sleepy' },
      retryCount: 0,
      progress: 100,
    });
    const worker = (await logs(inWorker, a.id)).map((l) => [l.source, l.message]);
    const lambda = (await logs(inLambda, b.id)).map((l) => [l.source, l.message]);
    expect(worker).toContainEqual(['worker', 'sleepy: line 2']);
    expect(lambda).toContainEqual(['lambda', 'sleepy: line 2']);
    expect(lambda).toContainEqual(['worker', 'running as Lambda function sleepy']);
    const [execution] = await inLambda.db.dataSource.query<{ status: string }[]>(
      `SELECT status FROM lambda_executions WHERE job_id = $1`,
      [b.id],
    );
    expect(execution.status).toBe('succeeded');
  });

  it('retries a failing job the same number of times and fails it for good the same way, DLQ included', async () => {
    const [a, b] = await runBoth({ fail: 'error' });
    expect(record(b)).toEqual(record(a));
    expect(record(a)).toMatchObject({
      status: 'failed',
      retryCount: 3,
      errorMessage: 'sleepy: transient failure on attempt 4',
      nextRetryAt: null,
    });
    const endpoint = requireTestEnv('sqsEndpoint');
    for (const [fx, job] of [
      [inWorker, a],
      [inLambda, b],
    ] as const) {
      const dlq = new DlqReader(endpoint, fx.queues.dlqUrl);
      try {
        expect(await dlq.forJob(job.id)).toHaveLength(1);
      } finally {
        dlq.close();
      }
    }
    const attempts = await inLambda.db.dataSource.query<{ attempt: number }[]>(
      `SELECT attempt FROM lambda_executions WHERE job_id = $1 ORDER BY attempt`,
      [b.id],
    );
    expect(attempts.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('fails a PermanentJobError at once, without retries, in both places', async () => {
    const [a, b] = await runBoth({ fail: 'permanent' });
    expect(record(b)).toEqual(record(a));
    expect(record(a)).toMatchObject({
      status: 'failed',
      retryCount: 0,
      errorMessage: 'sleepy: permanent failure on attempt 1',
    });
  });

  it('recovers from a failed first attempt the same way', async () => {
    const [a, b] = await runBoth({ fail: 'error', failAttempts: 1 });
    expect(record(b)).toEqual(record(a));
    expect(record(a)).toMatchObject({
      status: 'completed',
      retryCount: 1,
      results: { attempt: 2 },
    });
  });

  it('refuses to start a worker whose JOB_ROUTES names a type no definition provides', async () => {
    await expect(
      inWorker.startWorker({
        lambda: { routes: { teleport: { target: 'lambda', functionName: 'teleport' } } },
      }),
    ).rejects.toThrow('JOB_ROUTES routes "teleport", which no handler definition provides');
  });
});
