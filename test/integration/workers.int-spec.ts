import { JobStatus } from '@app/database';
import { BuiltinHandlersModule, JobProcessor } from '@app/processor';
import { RecoverySweeper } from '@app/recovery';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { type HandlerRun, TestHandlersModule } from '../support/test-handlers';
import { spawnWorker } from '../support/worker-process';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createEmulatorSqsClient } from '../../tools/dev-services/sqs-emulator';

const handlers = [BuiltinHandlersModule, TestHandlersModule];

async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statusCounts = async (fx: PipelineFixture) =>
  Object.fromEntries(
    (
      await fx.db.dataSource.query<{ status: string; n: number }[]>(
        `SELECT status, count(*)::int AS n FROM jobs GROUP BY status`,
      )
    ).map((r) => [r.status, r.n]),
  ) as Record<string, number>;

describe('several workers on one queue', () => {
  let fx: PipelineFixture;
  beforeAll(async () => {
    fx = await createPipelineFixture({ handlers });
  });
  afterAll(() => fx.close());

  it('share 1,000 jobs between two workers and run none of them twice', async () => {
    await fx.startWorker();
    await fx.startWorker();
    const requests = Array.from({ length: 1000 }, () => ({ jobType: 'record', payload: {} }));
    for (let i = 0; i < requests.length; i += 250)
      await fx.submit('load', requests.slice(i, i + 250));
    await waitUntil(
      async () => (await statusCounts(fx)).completed === 1000,
      90_000,
      '1,000 completions',
    );
    const [runs] = await fx.db.dataSource.query<{ runs: number; jobs: number; pids: number }[]>(
      `SELECT count(*)::int AS runs, count(DISTINCT job_id)::int AS jobs, count(DISTINCT pid)::int AS pids FROM handler_runs`,
    );
    expect(runs).toMatchObject({ runs: 1000, jobs: 1000 });
    const [{ completions }] = await fx.db.dataSource.query<{ completions: number }[]>(
      `SELECT count(*)::int AS completions FROM job_metrics WHERE metric_type = 'processing_time_ms'`,
    );
    expect(completions).toBe(1000);
  }, 120_000);
});

describe('worker shutdown and crashes', () => {
  let fx: PipelineFixture;
  beforeAll(async () => {
    fx = await createPipelineFixture({
      handlers,
      overrides: { worker: { stallAfterMs: 2000, heartbeatMs: 200 } },
    });
  });
  afterAll(() => fx.close());

  const runsOf = (jobId: string) =>
    fx.db.dataSource.query<HandlerRun[]>(
      `SELECT * FROM handler_runs WHERE job_id = $1 ORDER BY started_at`,
      [jobId],
    );

  it('SIGTERM mid-job: a handler that finishes within the grace period completes its job', async () => {
    const worker = await fx.startWorker({ worker: { shutdownGraceMs: 10_000 } });
    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { sleepMs: 1500 } }]);
    await fx.waitFor(job.id, (j) => j.status === JobStatus.Processing);
    await worker.close(); // what enableShutdownHooks does on SIGTERM
    expect((await fx.jobs.getById(job.id)).status).toBe(JobStatus.Completed);
    expect(await runsOf(job.id)).toHaveLength(1);
  });

  it('SIGTERM mid-job: a handler still running after the grace period is re-queued and another worker finishes it', async () => {
    const worker = await fx.startWorker({ worker: { shutdownGraceMs: 300 } });
    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { sleepMs: 5000 } }]);
    await fx.waitFor(job.id, (j) => j.status === JobStatus.Processing);
    await worker.close();
    const released = await fx.jobs.getById(job.id);
    expect(released).toMatchObject({ status: JobStatus.Pending, retryCount: 0 });
    await fx.startWorker();
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed, 20_000);
    expect(done.attempt).toBe(2);
    const runs = await runsOf(job.id);
    expect(runs.map((r) => [r.attempt, r.finished_at !== null])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('re-queues a job whose worker stopped heartbeating and runs it again', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: {} }]);
    // a worker that claimed the job and died: processing, heartbeat long gone
    await fx.db.dataSource.query(
      `UPDATE jobs SET status = 'processing', attempt = 1, started_at = now() - interval '1 minute',
         heartbeat_at = now() - interval '1 minute' WHERE id = $1`,
      [job.id],
    );
    const worker = await fx.startWorker();
    await worker.get(RecoverySweeper).sweep(); // the worker's own timer may get there first
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(done).toMatchObject({ retryCount: 1, attempt: 2 });
    expect(worker.get(JobProcessor).inFlight).toBe(0);
  });

  it('SIGKILL with 200 jobs in flight: after a restart every job completes once; only interrupted runs ran twice', async () => {
    const config = {
      ...fx.config,
      worker: { ...fx.config.worker, concurrency: 250, stallAfterMs: 2000, heartbeatMs: 200 },
    };
    const victim = await spawnWorker(config);
    const jobs = await fx.submit(
      'crash',
      Array.from({ length: 200 }, () => ({ jobType: 'record', payload: { sleepMs: 4000 } })),
    );
    const ids = jobs.map((j) => j.id);
    await waitUntil(
      async () =>
        (
          await fx.db.dataSource.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM handler_runs WHERE job_id = ANY($1)`,
            [ids],
          )
        )[0].n === 200,
      30_000,
      '200 handlers running',
    );
    victim.child.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();

    const survivor = await spawnWorker(config);
    try {
      await waitUntil(
        async () =>
          (
            await fx.db.dataSource.query<{ n: number }[]>(
              `SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1) AND status = 'completed'`,
              [ids],
            )
          )[0].n === 200,
        60_000,
        '200 completions after the crash',
      );
    } finally {
      survivor.child.kill('SIGTERM');
      await survivor.exited;
    }
    expect(Date.now() - killedAt).toBeLessThan(30_000); // recovery within the 30 s the spec asks for

    // Every handler run of an attempt that did not complete the job started before the kill:
    // a job ran twice only when the kill interrupted its first run (before or while its
    // completion was being written), never because of a duplicate delivery.
    const runs = await fx.db.dataSource.query<
      { job_id: string; attempt: number; started: Date; final_attempt: number }[]
    >(
      `SELECT r.job_id, r.attempt, r.started_at AS started, j.attempt AS final_attempt
       FROM handler_runs r JOIN jobs j ON j.id = r.job_id WHERE r.job_id = ANY($1)`,
      [ids],
    );
    const reruns = runs.filter((r) => r.attempt !== r.final_attempt);
    expect(reruns.every((r) => r.started.getTime() <= killedAt)).toBe(true);
    expect(
      new Set(runs.filter((r) => r.attempt === r.final_attempt).map((r) => r.job_id)).size,
    ).toBe(200);
    expect(runs.filter((r) => r.attempt === r.final_attempt)).toHaveLength(200);
    const [{ completions }] = await fx.db.dataSource.query<{ completions: number }[]>(
      `SELECT count(*)::int AS completions FROM job_metrics WHERE job_id = ANY($1) AND metric_type = 'processing_time_ms'`,
      [ids],
    );
    expect(completions).toBe(200);
  }, 120_000);
});

describe('lost messages', () => {
  let fx: PipelineFixture;
  beforeAll(async () => {
    fx = await createPipelineFixture({
      handlers,
      overrides: { worker: { resendAfterMs: 10_000 } },
    });
  });
  afterAll(() => fx.close());

  it('sends a new message for a pending job whose message SQS lost, and the job runs', async () => {
    const [job] = await fx.submit('alice', [
      { jobType: 'echo', payload: { message: 'found again' } },
    ]);
    // the message goes out, and then SQS loses it (say, it was redriven to the DLQ an hour ago)
    await waitUntil(
      async () =>
        (
          await fx.db.dataSource.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM queue_messages WHERE job_id = $1 AND sent_at IS NOT NULL`,
            [job.id],
          )
        )[0].n === 1,
      10_000,
      'the first send',
    );
    const sqs = createEmulatorSqsClient(fx.config.queue.endpoint!);
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: fx.queues.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
      }),
    );
    for (const m of received.Messages ?? []) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: fx.queues.queueUrl, ReceiptHandle: m.ReceiptHandle }),
      );
    }
    sqs.destroy();
    expect(received.Messages).toHaveLength(1);
    await fx.db.dataSource.transaction(async (m) => {
      await m.query(`UPDATE jobs SET created_at = now() - interval '1 hour' WHERE id = $1`, [
        job.id,
      ]);
      await m.query(
        `UPDATE queue_messages SET sent_at = now() - interval '1 hour' WHERE job_id = $1`,
        [job.id],
      );
    });
    const worker = await fx.startWorker();
    const { resent } = await worker.get(RecoverySweeper).sweep();
    expect(resent).toBeLessThanOrEqual(1); // the worker's own timer may have resent it first
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(done.results).toMatchObject({ echoed: 'found again' });
    const rows = await fx.db.dataSource.query<{ attempt: number }[]>(
      `SELECT attempt FROM queue_messages WHERE job_id = $1 ORDER BY created_at`,
      [job.id],
    );
    expect(rows.map((r) => r.attempt)).toEqual([1, 1]);
  });

  it('leaves a pending job alone while its message is recent', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: {} }]);
    await fx.db.dataSource.query(
      `UPDATE jobs SET created_at = now() - interval '1 hour' WHERE id = $1`,
      [job.id],
    );
    const before = await fx.db.dataSource.query<{ id: string }[]>(
      `SELECT id FROM queue_messages WHERE job_id = $1`,
      [job.id],
    );
    const outbox = (await fx.startWorker()).get(RecoverySweeper);
    await outbox.sweep();
    const after = await fx.db.dataSource.query<{ id: string }[]>(
      `SELECT id FROM queue_messages WHERE job_id = $1`,
      [job.id],
    );
    expect(after).toEqual(before);
  });
});
