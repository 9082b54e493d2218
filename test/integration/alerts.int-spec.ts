import { JobStatus } from '@app/database';
import type { Job } from '@app/jobs';
import { ALERT_SHUTDOWN_GRACE_MS, ErrorRecovery, RecoverySweeper } from '@app/recovery';
import { DlqReader } from '../support/dlq-reader';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { record } from '../support/test-handlers';
import {
  deadWebhookUrl,
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from '../support/webhook-receiver';

const types = [record];
const SECRET = 'alerts-test-secret-0123456789';

const deadForGood = (j: Job) => j.status === JobStatus.Failed && j.nextRetryAt === null;
const failingJob = { jobType: 'record', payload: { failAttempts: 1, permanent: true } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('webhook delivery', () => {
  let fx: PipelineFixture;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    fx = await createPipelineFixture({
      types,
      overrides: { recovery: { webhookUrl: receiver.url, webhookSecret: SECRET } },
    });
    await fx.startWorker();
  });
  afterAll(async () => {
    await fx.close();
    await receiver.close();
  });

  const forJob = (id: string) => (r: ReceivedWebhook) => r.body.jobId === id;

  it('a receiver answering 503 twice and then 200 still gets the alert, the same signed request each time', async () => {
    receiver.answerNext(503, 503);
    const [job] = await fx.submit('alice', [failingJob]);
    const tries = await receiver.waitFor(forJob(job.id), 3);
    expect(tries.map((t) => t.status)).toEqual([503, 503, 200]);
    const same = (t: ReceivedWebhook) => [
      t.rawBody,
      t.headers['x-jobqueue-timestamp'],
      t.headers['x-jobqueue-signature'],
      t.headers['x-jobqueue-delivery'],
    ];
    expect(same(tries[1])).toEqual(same(tries[0]));
    expect(same(tries[2])).toEqual(same(tries[0]));
    await sleep(700);
    expect(receiver.received.filter(forJob(job.id))).toHaveLength(3); // delivered: no more tries
  });

  it('a receiver refusing the alert with a 4xx is not asked again', async () => {
    receiver.answerNext(400);
    const [job] = await fx.submit('alice', [failingJob]);
    await receiver.waitFor(forJob(job.id));
    await sleep(1000); // twice the first retry delay
    expect(receiver.received.filter(forJob(job.id)).map((t) => t.status)).toEqual([400]);
  });

  it('a failing receiver holds up neither the failed jobs nor the ones after them', async () => {
    // every first try fails: the alerts wait for their retries in the background, jobs do not
    receiver.answerNext(503, 503, 503);
    const started = Date.now();
    const jobs = await fx.submit('alice', [failingJob, failingJob, failingJob]);
    const [ok] = await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'next' } }]);
    for (const job of jobs) await fx.waitFor(job.id, deadForGood, 5000);
    await fx.waitFor(ok.id, (j) => j.status === JobStatus.Completed, 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const job of jobs)
      await receiver.waitFor((r) => r.body.jobId === job.id && r.status === 200);
  });
});

describe('a dead webhook receiver', () => {
  let fx: PipelineFixture;
  let dlq: DlqReader;
  beforeAll(async () => {
    fx = await createPipelineFixture({
      types,
      overrides: { recovery: { webhookUrl: await deadWebhookUrl(), webhookSecret: SECRET } },
    });
    dlq = new DlqReader(fx.config.queue.endpoint!, fx.queues.dlqUrl);
  });
  afterAll(async () => {
    dlq.close();
    await fx.close();
  });

  it('never blocks or fails the job: it is dead-lettered at once, the next job runs, and shutdown is prompt', async () => {
    const worker = await fx.startWorker();
    const started = Date.now();
    const [job] = await fx.submit('alice', [failingJob]);
    const dead = await fx.waitFor(job.id, deadForGood, 5000);
    expect(dead).toMatchObject({
      attempt: 1,
      errorMessage: 'record: permanent failure on attempt 1',
    });
    expect(await dlq.forJob(job.id)).toHaveLength(1);
    const [next] = await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'on' } }]);
    await fx.waitFor(next.id, (j) => j.status === JobStatus.Completed, 5000);
    expect(Date.now() - started).toBeLessThan(5000);

    // the alert is still being retried (refused connections, backoff); closing gives it a
    // short grace and then drops it
    const closing = Date.now();
    await worker.close();
    expect(Date.now() - closing).toBeLessThan(
      ALERT_SHUTDOWN_GRACE_MS + fx.config.queue.waitTimeSeconds * 1000 + 3000,
    );
  });
});

describe('getFailureRate', () => {
  let fx: PipelineFixture;
  let recovery: ErrorRecovery;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    fx = await createPipelineFixture({ types });
    recovery = (await fx.startWorker()).get(ErrorRecovery);
  });
  afterAll(() => fx.close());

  it('is 0 over 0 attempts before anything ran', async () => {
    expect(await recovery.getFailureRate()).toEqual({
      rate: 0,
      failed: 0,
      finished: 0,
      windowMs: 300_000,
    });
  });

  it('counts failed attempts over finished attempts, not jobs', async () => {
    const [flaky, fine, broken] = await fx.submit('alice', [
      { jobType: 'record', payload: { failAttempts: 2 } }, // 2 failed attempts + 1 completed
      { jobType: 'record', payload: {} }, // 1 completed
      failingJob, // 1 failed
    ]);
    Object.assign(ids, { flaky: flaky.id, fine: fine.id, broken: broken.id });
    await fx.waitFor(flaky.id, (j) => j.status === JobStatus.Completed);
    await fx.waitFor(fine.id, (j) => j.status === JobStatus.Completed);
    await fx.waitFor(broken.id, deadForGood);
    expect(await recovery.getFailureRate(60_000)).toEqual({
      rate: 0.6,
      failed: 3,
      finished: 5,
      windowMs: 60_000,
    });
  });

  it('ignores attempts older than the window', async () => {
    // flaky's attempts: two failed ones (job_metrics rows) and its completion (the row itself)
    await fx.db.dataSource.query(
      `UPDATE job_metrics SET recorded_at = now() - interval '10 minutes' WHERE job_id = $1`,
      [ids.flaky],
    );
    await fx.db.dataSource.query(
      `UPDATE jobs SET completed_at = now() - interval '10 minutes' WHERE id = $1`,
      [ids.flaky],
    );
    expect(await recovery.getFailureRate(60_000)).toMatchObject({
      failed: 1,
      finished: 2,
      rate: 0.5,
    });
    expect(await recovery.getFailureRate(3_600_000)).toMatchObject({ failed: 3, finished: 5 });
  });

  it('does not alert below ALERT_MIN_ATTEMPTS, however high the rate', async () => {
    // 2 finished attempts in the default 5-minute window, 50 % failed, but fewer than 10
    expect(await recovery.checkFailureRate()).toMatchObject({ rate: 0.5, alerted: false });
  });
});

describe('failure-rate alerts', () => {
  const windowMs = 3000;
  let fx: PipelineFixture;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    fx = await createPipelineFixture({
      types,
      overrides: {
        recovery: {
          webhookUrl: receiver.url,
          webhookSecret: SECRET,
          failureRateThreshold: 0.5,
          minAttempts: 4,
          windowMs,
        },
      },
    });
  });
  afterAll(async () => {
    await fx.close();
    await receiver.close();
  });

  const rateAlerts = () =>
    receiver.received.filter((r) => r.body.event === 'failure_rate.exceeded');

  it('stays quiet while the rate is below the threshold', async () => {
    const worker = await fx.startWorker();
    const jobs = await fx.submit('alice', [
      failingJob,
      ...Array.from({ length: 4 }, () => ({ jobType: 'record', payload: {} })),
    ]); // 1 of 5 attempts fails: 20 % < 50 %
    for (const job of jobs)
      await fx.waitFor(
        job.id,
        (j) => j.status !== JobStatus.Pending && j.status !== JobStatus.Processing,
      );
    const sweep = await worker.get(RecoverySweeper).sweep();
    expect(sweep.alerted).toBe(false);
    await sleep(500); // a few of the worker's own sweeps
    expect(rateAlerts()).toEqual([]);
  });

  it('fires once when the rate crosses the threshold, and not again within the window', async () => {
    const jobs = await fx.submit(
      'alice',
      Array.from({ length: 8 }, () => failingJob),
    );
    for (const job of jobs) await fx.waitFor(job.id, deadForGood);
    const [alert] = await receiver.waitFor((r) => r.body.event === 'failure_rate.exceeded');
    expect(alert.body).toMatchObject({ jobId: null, jobType: null });
    expect(alert.body.failureRate).toBeGreaterThanOrEqual(0.5);
    expect(alert.body.error).toMatch(
      /^\d+ of \d+ attempts failed in the last 3 s \(\d+\.\d%, threshold 50\.0%\)$/,
    );

    // more failures inside the same window: still one alert
    const more = await fx.submit(
      'alice',
      Array.from({ length: 4 }, () => failingJob),
    );
    for (const job of more) await fx.waitFor(job.id, deadForGood);
    await sleep(Math.max(0, alert.at + windowMs - 800 - Date.now()));
    expect(rateAlerts()).toHaveLength(1);
  });

  it('fires again in the next window while failures go on, never sooner than a window apart', async () => {
    const [first] = rateAlerts();
    await sleep(Math.max(0, first.at + windowMs - Date.now()));
    const jobs = await fx.submit(
      'alice',
      Array.from({ length: 6 }, () => failingJob),
    );
    for (const job of jobs) await fx.waitFor(job.id, deadForGood);
    const [, second] = await receiver.waitFor((r) => r.body.event === 'failure_rate.exceeded', 2);
    expect(second.at - first.at).toBeGreaterThanOrEqual(windowMs - 100);
  });
});
