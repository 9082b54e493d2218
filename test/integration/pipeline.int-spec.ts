import { JobStatus } from '@app/database';
import { JobLogsService, JobStatsService } from '@app/jobs';
import { encodeJobMessage } from '@app/queue';
import { ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createEmulatorSqsClient } from '../../tools/dev-services/sqs-emulator';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { type HandlerRun, record } from '../support/test-handlers';

describe('pipeline: create → SQS → worker → a truthful final state', () => {
  let fx: PipelineFixture;
  let sqs: SQSClient;

  beforeAll(async () => {
    fx = await createPipelineFixture({
      types: [record],
      overrides: { worker: { typeConcurrency: {} } },
    });
    await fx.startWorker();
    sqs = createEmulatorSqsClient(fx.config.queue.endpoint!);
  });
  afterAll(async () => {
    sqs.destroy();
    await fx.close();
  });

  const runsOf = (jobId: string) =>
    fx.db.dataSource.query<HandlerRun[]>(
      `SELECT * FROM handler_runs WHERE job_id = $1 ORDER BY attempt`,
      [jobId],
    );

  it('runs a job to completion with its results, progress 100 and metrics', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'hi' } }]);
    expect(job.status).toBe(JobStatus.Pending);
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(done).toMatchObject({
      results: { echoed: 'hi', attempt: 1 },
      progress: 100,
      attempt: 1,
      retryCount: 0,
    });
    expect(done.startedAt!.getTime()).toBeLessThanOrEqual(done.completedAt!.getTime());
    // the completion is its row: processing time and queue wait are read from its timestamps
    const processingMs = done.completedAt!.getTime() - done.startedAt!.getTime();
    // (the row keeps microseconds, a Date milliseconds)
    const recent = await fx.api.get(JobStatsService).recentAverageProcessingMs('echo');
    expect(Math.abs(recent! - processingMs)).toBeLessThan(1);
    const [{ metrics }] = await fx.db.dataSource.query<{ metrics: number }[]>(
      `SELECT count(*)::int AS metrics FROM job_metrics WHERE job_id = $1`,
      [job.id],
    );
    expect(metrics).toBe(0);
  });

  it('writes the handler’s log lines in order, with the worker as their source', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'logged' } }]);
    await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    const logs = await fx.api.get(JobLogsService).forJob(job.id);
    expect(logs.map((l) => l.message)).toEqual([
      expect.stringMatching(/^attempt 1 started on /),
      'echo: logged',
      'attempt 1 completed',
    ]);
    expect(logs.every((l) => l.source === 'worker' && l.attempt === 1)).toBe(true);
  });

  it('processes a job once when its message is delivered twice', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { sleepMs: 300 } }]);
    await fx.queue.sendJob({ jobId: job.id, attempt: 1 });
    await fx.queue.sendJob({ jobId: job.id, attempt: 1 });
    await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    await new Promise((r) => setTimeout(r, 1500)); // let the duplicates arrive and be discarded
    expect(await runsOf(job.id)).toHaveLength(1);
    expect((await fx.jobs.getById(job.id)).attempt).toBe(1);
  });

  it('never runs a job that was cancelled before a worker claimed it', async () => {
    // a job with no outbox row (JobsService.create), cancelled before any message exists
    const job = await fx.jobs.create({ userId: 'alice', jobType: 'record', payload: {} });
    await fx.db.dataSource.query(
      `UPDATE jobs SET status = 'cancelled', cancel_requested_at = now() WHERE id = $1`,
      [job.id],
    );
    await fx.queue.sendJob({ jobId: job.id, attempt: 1 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await runsOf(job.id)).toHaveLength(0);
    expect((await fx.jobs.getById(job.id)).status).toBe(JobStatus.Cancelled);
  });

  it('retries a failing job with backoff until it succeeds (fails twice → completed, retry_count 2)', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { failAttempts: 2 } }]);
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(done).toMatchObject({ retryCount: 2, attempt: 3, results: { attempt: 3 } });
    expect((await runsOf(job.id)).map((r) => r.attempt)).toEqual([1, 2, 3]);
  });

  it('fails a job for good after its last retry, with the last error, and copies it to the DLQ', async () => {
    const [job] = await fx.submit('alice', [
      { jobType: 'record', payload: { failAttempts: 99 }, maxRetries: 1 },
    ]);
    const failed = await fx.waitFor(
      job.id,
      (j) => j.status === JobStatus.Failed && j.nextRetryAt === null && j.retryCount === 1,
    );
    expect(failed.errorMessage).toBe('record: transient failure on attempt 2');
    expect(await dlqJobIds(sqs, fx.queues.dlqUrl)).toContain(job.id);
  });

  it('skips the retries on a PermanentJobError', async () => {
    const [job] = await fx.submit('alice', [
      { jobType: 'record', payload: { failAttempts: 1, permanent: true } },
    ]);
    const failed = await fx.waitFor(job.id, (j) => j.status === JobStatus.Failed);
    expect(failed).toMatchObject({
      retryCount: 0,
      nextRetryAt: null,
      errorMessage: 'record: permanent failure on attempt 1',
    });
    expect(await runsOf(job.id)).toHaveLength(1);
  });

  it('stops a running handler when its job is cancelled, and records the job cancelled', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { sleepMs: 30_000 } }]);
    await fx.waitFor(job.id, (j) => j.status === JobStatus.Processing);
    await fx.jobs.cancel(job.id);
    const cancelled = await fx.waitFor(job.id, (j) => j.status === JobStatus.Cancelled, 5000);
    expect(cancelled.results).toBeNull();
    const [run] = await runsOf(job.id);
    expect(run.finished_at).toBeNull();
  });

  it('reports progress while the handler runs', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: { delayMs: 3000 } }]);
    const midway = await fx.waitFor(
      job.id,
      (j) => j.status === JobStatus.Processing && j.progress > 0 && j.progress < 100,
    );
    expect(midway.heartbeatAt).toBeInstanceOf(Date);
    await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
  });

  it('moves a message it cannot read to the DLQ instead of letting it circulate', async () => {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: fx.queues.queueUrl, MessageBody: 'garbage' }),
    );
    const bodies = await waitForDlq(sqs, fx.queues.dlqUrl, (b) => b === 'garbage');
    expect(bodies).toContain('garbage');
  });

  it('ignores a message for a job that does not exist', async () => {
    await fx.queue.sendJob({ jobId: '00000000-0000-4000-8000-000000000001', attempt: 1 });
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: {} }]);
    await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
  });

  it('reads queue depth from SQS for the queue and the DLQ', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: fx.queues.dlqUrl,
        MessageBody: encodeJobMessage([
          { jobId: '00000000-0000-4000-8000-000000000002', attempt: 1 },
        ]),
      }),
    );
    const stats = await fx.queue.getQueueStats();
    expect(stats.deadLetter.visible).toBeGreaterThanOrEqual(1);
    expect(Object.keys(stats.queue).sort()).toEqual(['delayed', 'inFlight', 'visible']);
    expect(Object.values(stats.queue).every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
  });
});

async function dlqJobIds(sqs: SQSClient, dlqUrl: string): Promise<string[]> {
  const bodies = await waitForDlq(sqs, dlqUrl, () => true);
  return bodies.map((b) => {
    try {
      return (JSON.parse(b) as { jobId: string }).jobId;
    } catch {
      return b;
    }
  });
}

/** Peeks at the DLQ (messages return after a 1 s visibility timeout). */
async function waitForDlq(
  sqs: SQSClient,
  dlqUrl: string,
  match: (body: string) => boolean,
): Promise<string[]> {
  for (let i = 0; i < 40; i++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 1,
        WaitTimeSeconds: 0,
      }),
    );
    const bodies = (out.Messages ?? []).map((m) => m.Body ?? '');
    if (bodies.some(match)) return bodies;
    await new Promise((r) => setTimeout(r, 250));
  }
  return [];
}
