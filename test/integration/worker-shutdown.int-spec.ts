import { JobStatus } from '@app/database';
import { JobProcessor } from '@app/processor';
import { RecoverySweeper } from '@app/recovery';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { type HandlerRun, record } from '../support/test-handlers';
import { waitUntil } from '../support/wait-until';
import { spawnWorker } from '../support/worker-process';

const types = [record];

describe('worker shutdown and crashes', () => {
  let fx: PipelineFixture;
  beforeAll(async () => {
    fx = await createPipelineFixture({
      types,
      overrides: { worker: { stallAfterMs: 4000, heartbeatMs: 200 } },
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

  it('re-queues a job whose worker stopped heartbeating and runs it again, spending no retry', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: {} }]);
    // a worker that claimed the job and died: processing, heartbeat long gone
    await fx.db.dataSource.query(
      `UPDATE jobs SET status = 'processing', attempt = 1, started_at = now() - interval '1 minute',
         heartbeat_at = now() - interval '1 minute' WHERE id = $1`,
      [job.id],
    );
    const worker = await fx.startWorker();
    // the worker's own timer may get there first; a candidate is confirmed on a later pass
    await worker.get(RecoverySweeper).sweep();
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(done).toMatchObject({ retryCount: 0, attempt: 2 });
    const [{ stall_count }] = await fx.db.dataSource.query<{ stall_count: number }[]>(
      `SELECT stall_count FROM jobs WHERE id = $1`,
      [job.id],
    );
    expect(stall_count).toBe(1);
    expect(worker.get(JobProcessor).inFlight).toBe(0);
  });

  it('SIGKILL with 200 jobs in flight: after a restart every job completes once; only interrupted runs ran twice', async () => {
    const config = {
      ...fx.config,
      worker: { ...fx.config.worker, concurrency: 250, stallAfterMs: 4000, heartbeatMs: 200 },
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
      `SELECT count(*)::int AS completions FROM jobs WHERE id = ANY($1) AND status = 'completed'`,
      [ids],
    );
    expect(completions).toBe(200);
  }, 120_000);
});
