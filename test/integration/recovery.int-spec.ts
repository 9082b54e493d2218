import { createHmac } from 'node:crypto';
import { JobStatus } from '@app/database';
import type { Job } from '@app/jobs';
import {
  DLQ_LOG_PREFIX,
  ErrorRecovery,
  RecoverySweeper,
  verifyWebhookSignature,
} from '@app/recovery';
import type { INestApplicationContext } from '@nestjs/common';
import { DlqReader } from '../support/dlq-reader';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { type HandlerRun, record } from '../support/test-handlers';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { spawnWorker } from '../support/worker-process';

const types = [record];
const SECRET = 'recovery-test-secret-0123456789';

const deadForGood = (j: Job) => j.status === JobStatus.Failed && j.nextRetryAt === null;

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const runsOf = (fx: PipelineFixture, jobId: string) =>
  fx.db.dataSource.query<HandlerRun[]>(
    `SELECT * FROM handler_runs WHERE job_id = $1 ORDER BY attempt, started_at`,
    [jobId],
  );

const systemLogs = (fx: PipelineFixture, jobId: string) =>
  fx.db.dataSource.query<{ message: string; attempt: number; level: string }[]>(
    `SELECT message, attempt, level FROM job_logs WHERE job_id = $1 AND source = 'system' ORDER BY id`,
    [jobId],
  );

/** A job the api accepted but no worker has seen (no outbox message), put into `status` by hand. */
async function jobInState(
  fx: PipelineFixture,
  set: { status: JobStatus; attempt?: number; nextRetryAt?: Date | null; error?: string },
): Promise<Job> {
  const job = await fx.jobs.create({ userId: 'ops', jobType: 'record', payload: {} });
  await fx.db.dataSource.query(
    `UPDATE jobs SET status = $2::varchar, attempt = $3, next_retry_at = $4, error_message = $5,
       completed_at = CASE WHEN $2::varchar = 'failed' THEN now() END WHERE id = $1`,
    [job.id, set.status, set.attempt ?? 1, set.nextRetryAt ?? null, set.error ?? null],
  );
  return fx.jobs.getById(job.id);
}

describe('retries, the dead-letter queue and its alert', () => {
  let fx: PipelineFixture;
  let receiver: WebhookReceiver;
  let dlq: DlqReader;
  let worker: INestApplicationContext;
  let recovery: ErrorRecovery;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    fx = await createPipelineFixture({
      types,
      overrides: { recovery: { webhookUrl: receiver.url, webhookSecret: SECRET } },
    });
    worker = await fx.startWorker();
    recovery = worker.get(ErrorRecovery);
    dlq = new DlqReader(fx.config.queue.endpoint!, fx.queues.dlqUrl);
  });
  afterAll(async () => {
    dlq.close();
    await fx.close();
    await receiver.close();
  });

  it('a job that fails twice and then succeeds ends completed with retry_count 2', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { failAttempts: 2 } }]);
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(done).toMatchObject({
      retryCount: 2,
      attempt: 3,
      errorMessage: null,
      nextRetryAt: null,
      results: { attempt: 3 },
    });
    expect((await runsOf(fx, job.id)).map((r) => [r.attempt, r.finished_at !== null])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    const metrics = await fx.db.dataSource.query<{ metric_type: string; attempt: number }[]>(
      `SELECT metric_type, attempt FROM job_metrics WHERE job_id = $1 ORDER BY attempt`,
      [job.id],
    );
    // each failed attempt has its metric; the completion (attempt 3) is the row itself
    expect(metrics).toEqual([
      { metric_type: 'failed_attempt_ms', attempt: 1 },
      { metric_type: 'failed_attempt_ms', attempt: 2 },
    ]);
    expect(await dlq.forJob(job.id, 1, 0)).toEqual([]);
  });

  it('a job that always fails ends failed, in the DLQ with its reason, and a signed alert reaches the webhook', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { failAttempts: 99 } }]);
    const dead = await fx.waitFor(job.id, deadForGood);
    expect(dead).toMatchObject({
      retryCount: 3,
      maxRetries: 3,
      attempt: 4,
      errorMessage: 'record: transient failure on attempt 4',
    });
    expect(await runsOf(fx, job.id)).toHaveLength(4);

    expect(await dlq.forJob(job.id)).toEqual([
      { jobId: job.id, attempt: 4, reason: 'record: transient failure on attempt 4' },
    ]);
    expect(await systemLogs(fx, job.id)).toEqual([
      {
        message: `${DLQ_LOG_PREFIX} after attempt 4: record: transient failure on attempt 4`,
        attempt: 4,
        level: 'error',
      },
    ]);

    const [hook] = await receiver.waitFor((r) => r.body.jobId === job.id);
    const { at, ...body } = hook.body;
    expect(body).toEqual({
      event: 'job.dead_lettered',
      jobId: job.id,
      jobType: 'record',
      error: 'record: transient failure on attempt 4',
    });
    expect(Math.abs(Date.parse(at) - Date.now())).toBeLessThan(30_000);
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['x-jobqueue-event']).toBe('job.dead_lettered');
    // the documented scheme, recomputed here: sha256=HMAC(secret, "<timestamp>.<raw body>")
    const timestamp = String(hook.headers['x-jobqueue-timestamp']);
    const expected = createHmac('sha256', SECRET)
      .update(`${timestamp}.${hook.rawBody}`)
      .digest('hex');
    expect(hook.headers['x-jobqueue-signature']).toBe(`sha256=${expected}`);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(30);
    expect(
      verifyWebhookSignature({
        rawBody: hook.rawBody,
        secret: SECRET,
        timestamp,
        signature: String(hook.headers['x-jobqueue-signature']),
        nowSeconds: Date.now() / 1000,
      }),
    ).toBe(true);
  });

  it('a non-retryable error fails the job at once, retries unused, and dead-letters it', async () => {
    const [job] = await fx.submit('alice', [
      { jobType: 'record', payload: { failAttempts: 1, permanent: true } },
    ]);
    const dead = await fx.waitFor(job.id, deadForGood);
    expect(dead).toMatchObject({
      attempt: 1,
      retryCount: 0,
      maxRetries: 3,
      errorMessage: 'record: permanent failure on attempt 1',
    });
    expect(await runsOf(fx, job.id)).toHaveLength(1);
    expect((await dlq.forJob(job.id)).map((m) => m.attempt)).toEqual([1]);
    await receiver.waitFor((r) => r.body.jobId === job.id);
  });

  it('honours a job’s own max_retries of 0: one failure and it is dead', async () => {
    const [job] = await fx.submit('alice', [
      { jobType: 'record', payload: { failAttempts: 5 }, maxRetries: 0 },
    ]);
    const dead = await fx.waitFor(job.id, deadForGood);
    expect(dead).toMatchObject({ attempt: 1, retryCount: 0, maxRetries: 0 });
    expect(await dlq.forJob(job.id)).toHaveLength(1);
  });

  it('moveToDLQ is idempotent: calls at once and again later send one message and write one log line', async () => {
    const job = await jobInState(fx, { status: JobStatus.Failed, attempt: 2, error: 'boom' });
    const [a, b] = await Promise.all([
      recovery.moveToDLQ(job.id, 'boom'),
      recovery.moveToDLQ(job.id, 'boom'),
    ]);
    expect(a).toEqual({ moved: true, attempt: 2 });
    expect(b).toEqual(a);
    expect(await recovery.moveToDLQ(job.id, 'boom')).toEqual({ moved: false, attempt: 2 });
    expect(await dlq.forJob(job.id, 2, 1000)).toEqual([
      { jobId: job.id, attempt: 2, reason: 'boom' },
    ]);
    expect(await systemLogs(fx, job.id)).toHaveLength(1);
    expect(await fx.jobs.getById(job.id)).toMatchObject({ status: JobStatus.Failed, attempt: 2 });
  });

  it('moveToDLQ refuses a job that may still run, and sends nothing', async () => {
    const pending = await jobInState(fx, { status: JobStatus.Pending, attempt: 0 });
    const retrying = await jobInState(fx, {
      status: JobStatus.Failed,
      nextRetryAt: new Date(Date.now() + 3_600_000),
    });
    for (const job of [pending, retrying]) {
      await expect(recovery.moveToDLQ(job.id, 'no')).rejects.toMatchObject({
        code: 'JOB_NOT_DEAD',
        details: { jobId: job.id },
      });
      expect(await dlq.forJob(job.id, 1, 0)).toEqual([]);
      expect(await systemLogs(fx, job.id)).toEqual([]);
    }
    await expect(
      recovery.moveToDLQ('00000000-0000-4000-8000-000000000000', 'no'),
    ).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('sendAlert alerts once per job, looking the job type up when not given', async () => {
    const job = await jobInState(fx, { status: JobStatus.Failed, error: 'bad' });
    expect(await recovery.sendAlert(job.id, new Error('bad'))).toBe(true);
    expect(await recovery.sendAlert(job.id, new Error('bad again'))).toBe(false);
    const [hook] = await receiver.waitFor((r) => r.body.jobId === job.id);
    expect(hook.body).toMatchObject({ jobType: 'record', error: 'bad' });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received.filter((r) => r.body.jobId === job.id)).toHaveLength(1);
  });
});

describe('retry timing lives in the database', () => {
  let fx: PipelineFixture;
  beforeAll(async () => {
    fx = await createPipelineFixture({ types });
  });
  afterAll(() => fx.close());

  it('a failed attempt with retries left waits as failed with next_retry_at, and the sweeper re-queues it only once due', async () => {
    const worker = await fx.startWorker({
      processor: { initialRetryDelayMs: 600_000, intervalMs: 600_000 },
      recovery: { retryMaxDelayMs: 600_000 },
    });
    const sweeper = worker.get(RecoverySweeper);
    const before = Date.now();
    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { failAttempts: 1 } }]);
    const waiting = await fx.waitFor(job.id, (j) => j.status === JobStatus.Failed);
    expect(waiting).toMatchObject({
      retryCount: 0,
      attempt: 1,
      errorMessage: 'record: transient failure on attempt 1',
    });
    expect(waiting.nextRetryAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(waiting.nextRetryAt!.getTime()).toBeLessThanOrEqual(Date.now() + 600_000);

    expect((await sweeper.sweep()).requeued).toBe(0);
    expect((await fx.jobs.getById(job.id)).status).toBe(JobStatus.Failed);

    await fx.db.dataSource.query(
      `UPDATE jobs SET next_retry_at = now() - interval '1 second' WHERE id = $1`,
      [job.id],
    );
    expect((await sweeper.sweep()).requeued).toBe(1);
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(done).toMatchObject({ retryCount: 1, attempt: 2 });
    await worker.close();
  });

  it('RETRY_MAX_DELAY_MS caps the backoff: with a 10-minute base, retries still come within a second', async () => {
    const worker = await fx.startWorker({
      processor: { initialRetryDelayMs: 600_000 },
      recovery: { retryMaxDelayMs: 1000 },
    });
    const recovery = worker.get(ErrorRecovery);
    expect(recovery.exponentialBackoff(30, 600_000, () => 0.999)).toBe(999);
    expect(recovery.exponentialBackoff(2, 100, () => 0.5)).toBe(200);
    expect(recovery.retryPolicy).toEqual({ initialDelayMs: 600_000, capMs: 1000 });

    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { failAttempts: 2 } }]);
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed, 15_000);
    expect(done.retryCount).toBe(2);
    await worker.close();
  });
});

describe('sweepers racing', () => {
  let fx: PipelineFixture;
  let sweepers: RecoverySweeper[];
  beforeAll(async () => {
    fx = await createPipelineFixture({ types });
    // three worker instances whose timers stay out of the way: only the sweeps below run
    // (started one by one: the record handler creates its table on start). The seeded stalls
    // are a minute old; a 30 s threshold keeps a loaded machine's slow heartbeat from making a
    // re-queued, running job look stalled a second time.
    sweepers = [];
    for (let i = 0; i < 3; i++)
      sweepers.push(
        (
          await fx.startWorker({
            processor: { intervalMs: 600_000 },
            worker: { stallAfterMs: 30_000 },
          })
        ).get(RecoverySweeper),
      );
  });
  afterAll(() => fx.close());

  const insertJobs = (n: number, state: string) =>
    fx.db.dataSource
      .query<{ id: string }[]>(
        `INSERT INTO jobs (user_id, job_type, payload, max_retries, ${state === 'failed' ? 'status, attempt, error_message, next_retry_at, completed_at' : 'status, attempt, started_at, heartbeat_at'})
         SELECT 'race', 'record', '{}', 3, ${
           state === 'failed'
             ? `'failed', 1, 'boom', now() - interval '1 second', now()`
             : `'processing', 1, now() - interval '1 minute', now() - interval '1 minute'`
         }
         FROM generate_series(1, $1) RETURNING id`,
        [n],
      )
      .then((rows) => rows.map((r) => r.id));

  const outboxCounts = (ids: string[]) =>
    fx.db.dataSource.query<{ n: number; attempt: number; jobs: number }[]>(
      `SELECT n, attempt, count(*)::int AS jobs FROM (
         SELECT job_id, count(*)::int AS n, max(attempt) AS attempt FROM queue_messages
         WHERE job_id = ANY($1) GROUP BY job_id) per_job
       GROUP BY n, attempt`,
      [ids],
    );

  /**
   * Waits for the jobs to complete. The workers' own timers are off, so a sweep every second
   * stands in for them (it also re-sends outbox rows a loaded emulator did not take).
   */
  async function waitForCompletions(ids: string[], condition = `status = 'completed'`) {
    const deadline = Date.now() + 50_000;
    for (let round = 0; ; round++) {
      const [{ done, unsent }] = await fx.db.dataSource.query<{ done: number; unsent: number }[]>(
        `SELECT (SELECT count(*)::int FROM jobs WHERE id = ANY($1) AND ${condition}) AS done,
                (SELECT count(*)::int FROM queue_messages WHERE job_id = ANY($1) AND sent_at IS NULL) AS unsent`,
        [ids],
      );
      if (done === ids.length) return;
      if (Date.now() > deadline) {
        const states = await fx.db.dataSource.query<{ status: string; n: number }[]>(
          `SELECT status, count(*)::int AS n FROM jobs WHERE id = ANY($1) GROUP BY status`,
          [ids],
        );
        throw new Error(
          `${done} of ${ids.length} jobs done after 50 s (${unsent} unsent messages; ${JSON.stringify(states)})`,
        );
      }
      if (round % 20 === 19) await sweepers[round % 3].sweep();
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('three sweepers re-queue each of 200 due jobs exactly once', async () => {
    const ids = await insertJobs(200, 'failed');
    const results = await Promise.all(sweepers.map((s) => s.sweep()));
    expect(results.reduce((sum, r) => sum + r.requeued, 0)).toBe(200);
    expect(await outboxCounts(ids)).toEqual([{ n: 1, attempt: 2, jobs: 200 }]);
    await waitForCompletions(ids);
    // Every job ran; the race itself was settled above (one re-queue each). Later, on a loaded
    // machine, the stall sweep may re-queue a claimed job once more: that is its job, not a race.
    const [runs] = await fx.db.dataSource.query<{ jobs: number; minRetries: number }[]>(
      `SELECT (SELECT count(DISTINCT job_id)::int FROM handler_runs WHERE job_id = ANY($1)) AS jobs,
              (SELECT min(retry_count)::int FROM jobs WHERE id = ANY($1)) AS "minRetries"`,
      [ids],
    );
    expect(runs).toEqual({ jobs: 200, minRetries: 1 });
  });

  it('three sweepers re-queue each of 100 stalled jobs exactly once, spending no retry', async () => {
    const ids = await insertJobs(100, 'processing');
    // the first passes only note the candidates; a pass after the confirmation delay acts
    await Promise.all(sweepers.map((s) => s.sweep()));
    await new Promise((r) => setTimeout(r, 2 * fx.config.worker.heartbeatMs + 50));
    const results = await Promise.all(sweepers.map((s) => s.sweep()));
    expect(results.reduce((sum, r) => sum + r.stalled, 0)).toBe(100);
    expect(results.reduce((sum, r) => sum + r.deadLettered, 0)).toBe(0);
    // a lost worker is not the job's failure: no failed-attempt metric, no retry spent
    const [{ stalls }] = await fx.db.dataSource.query<{ stalls: number }[]>(
      `SELECT count(*)::int AS stalls FROM job_metrics WHERE job_id = ANY($1) AND metric_type = 'failed_attempt_ms'`,
      [ids],
    );
    expect(stalls).toBe(0);
    expect(await outboxCounts(ids)).toEqual([{ n: 1, attempt: 2, jobs: 100 }]);
    await waitForCompletions(ids, `status = 'completed' AND retry_count = 0 AND stall_count = 1`);
    expect(await outboxCounts(ids)).toEqual([{ n: 1, attempt: 2, jobs: 100 }]);
  });
});

describe('stalls', () => {
  let fx: PipelineFixture;
  let dlq: DlqReader;
  beforeAll(async () => {
    fx = await createPipelineFixture({ types });
    dlq = new DlqReader(fx.config.queue.endpoint!, fx.queues.dlqUrl);
  });
  afterAll(async () => {
    dlq.close();
    await fx.close();
  });

  it('a job that lost its worker max_retries times ends failed for good and in the DLQ; before that, no retry is spent', async () => {
    const worker = await fx.startWorker({ worker: { heartbeatMs: 200, stallAfterMs: 1000 } });
    // jobs a worker that no longer exists claimed: processing, heartbeat long gone
    const lost = (stallCount: number) =>
      fx.db.dataSource
        .query<{ id: string }[]>(
          `INSERT INTO jobs (user_id, job_type, payload, max_retries, status, attempt, stall_count,
             started_at, heartbeat_at, held_by)
           VALUES ('alice', 'record', '{}', 2, 'processing', $1, $2, now() - interval '1 minute',
             now() - interval '1 minute', 'gone-worker') RETURNING id`,
          [stallCount + 1, stallCount],
        )
        .then(([row]) => row.id);
    const [dying, survivor] = [await lost(2), await lost(0)];

    const dead = await fx.waitFor(dying, deadForGood, 20_000);
    expect(dead).toMatchObject({ attempt: 3, retryCount: 0 });
    expect(dead.errorMessage).toMatch(/^Stalled 3 times/);
    expect(await dlq.forJob(dying)).toEqual([
      { jobId: dying, attempt: 3, reason: dead.errorMessage },
    ]);
    expect((await runsOf(fx, dying)).map((r) => r.attempt)).toEqual([]);

    const done = await fx.waitFor(survivor, (j) => j.status === JobStatus.Completed, 20_000);
    expect(done).toMatchObject({ attempt: 2, retryCount: 0 });
    expect((await runsOf(fx, survivor)).map((r) => r.attempt)).toEqual([2]);
    await worker.close();
  });

  it('a live worker whose heartbeats arrive late is not declared stalled: its presence is fresh', async () => {
    // a stall limit well above how late a starved test machine beats on its own: only the
    // heartbeats this test makes old can make the job look stalled
    const worker = await fx.startWorker({ worker: { heartbeatMs: 200, stallAfterMs: 3000 } });
    try {
      const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { sleepMs: 2500 } }]);
      await waitUntil(async () => (await runsOf(fx, job.id)).length === 1, 20_000, 'attempt 1');
      // as after a database outage: this job's heartbeat is old, but so was every heartbeat, and
      // the worker beats again within one interval; the sweeper waits for that confirmation
      await fx.db.dataSource.query(
        `UPDATE jobs SET heartbeat_at = now() - interval '1 minute' WHERE id = $1`,
        [job.id],
      );
      await fx.db.dataSource.query(
        `UPDATE worker_heartbeats SET last_seen_at = now() - interval '1 minute'`,
      );
      const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed, 20_000);
      expect(done).toMatchObject({ attempt: 1, retryCount: 0 });
      expect((await runsOf(fx, job.id)).map((r) => r.attempt)).toEqual([1]);
    } finally {
      await worker.close(); // a failure here must not leave a worker for the next test
    }
  });

  it('SIGKILL mid-job: the job is running again well within 30 s of the kill (measured)', async () => {
    const victim = await spawnWorker(fx.config);
    let jobId: string;
    let killedAt: number;
    try {
      const [job] = await fx.submit('alice', [{ jobType: 'record', payload: { sleepMs: 3000 } }]);
      jobId = job.id;
      await waitUntil(async () => (await runsOf(fx, jobId)).length === 1, 20_000, 'attempt 1');
      await fx.startWorker(); // the survivor: already polling, so its start-up is not measured
      victim.child.kill('SIGKILL');
      await victim.exited;
      killedAt = Date.now();
    } finally {
      victim.child.kill('SIGKILL'); // never leave a worker process behind
    }

    await waitUntil(async () => (await runsOf(fx, jobId)).length === 2, 30_000, 'attempt 2');
    const [first, second] = await runsOf(fx, jobId);
    expect(first.finished_at).toBeNull(); // the kill really came mid-job
    const recoveryMs = second.started_at.getTime() - killedAt;
    process.stdout.write(`SIGKILL → attempt 2 started after ${recoveryMs} ms\n`);
    expect(second.attempt).toBe(2);
    expect(recoveryMs).toBeLessThan(30_000);
    // stall limit (2 s here) + one sweep interval + a receive; far from the 30 s bound
    expect(recoveryMs).toBeLessThan(fx.config.worker.stallAfterMs + 5000);

    const done = await fx.waitFor(jobId, (j) => j.status === JobStatus.Completed);
    expect(done).toMatchObject({ attempt: 2, retryCount: 0 });
  });
});
