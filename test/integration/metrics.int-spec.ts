import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createWorkerApp } from '../../apps/worker/src/create-worker-app';
import {
  type ApiFixture,
  bearer,
  createApiFixture,
  eventually,
  UUID,
} from '../e2e/support/api-fixture';
import { type Family, parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { record } from '../support/test-handlers';

/** What the test submits: [jobType, payload, maxRetries?], and how often. */
const SUBMISSIONS: [number, string, object, number?][] = [
  [4, 'echo', {}],
  [2, 'echo', { failAttempts: 1 }], // fails once, retried, completes
  [1, 'record', {}],
  [2, 'record', { failAttempts: 1, permanent: true }], // dead-lettered at once
  [1, 'record', { failAttempts: 5 }, 1], // fails, retried once, fails for good
];
const TOTAL = SUBMISSIONS.reduce((n, [count]) => n + count, 0);

describe('/metrics on the api and the worker', () => {
  let fx: ApiFixture;
  let worker: NestFastifyApplication;
  const scrapeApi = async () =>
    parsePrometheusText((await fx.http().get('/metrics').expect(200)).text);
  const scrapeWorker = async () => {
    const res = await worker.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    return parsePrometheusText(res.body);
  };
  const byType = (m: Map<string, Family>, name: string, type: string) =>
    sampleValue(m, name, { job_type: type });

  beforeAll(async () => {
    fx = await createApiFixture({ types: [record] });
    worker = await createWorkerApp(fx.config, [record]);
    await worker.listen(0, '127.0.0.1');
    const token = fx.token('alice');
    for (const [count, jobType, payload, maxRetries] of SUBMISSIONS)
      for (let i = 0; i < count; i++)
        await fx
          .http()
          .post('/api/v1/jobs')
          .set(bearer(token))
          .send({ jobType, payload, maxRetries })
          .expect(202);
    // every job finished, every retry run, every DLQ copy sent: then the counters are final
    await eventually(
      async () => {
        const m = await scrapeWorker();
        const done = ['echo', 'record'].map(
          (t) =>
            byType(m, 'jobqueue_jobs_completed_total', t) +
            byType(m, 'jobqueue_jobs_dead_lettered_total', t),
        );
        return {
          done: done[0] + done[1],
          unsent: await fx.count('queue_messages', 'sent_at IS NULL'),
        };
      },
      (s) => s.done === TOTAL && s.unsent === 0,
      30_000,
    );
  }, 60_000);
  afterAll(async () => {
    await worker.close();
    await fx.close();
  });

  it('the api counts the jobs it created by type, every catalogue type from zero', async () => {
    const m = await scrapeApi();
    expect(byType(m, 'jobqueue_jobs_created_total', 'echo')).toBe(6);
    expect(byType(m, 'jobqueue_jobs_created_total', 'record')).toBe(4);
    expect(byType(m, 'jobqueue_jobs_created_total', 'export')).toBe(0);
  });

  it('the worker counts starts, completions, failures, retries and dead letters by type exactly', async () => {
    const m = await scrapeWorker();
    const counts = (type: string) =>
      Object.fromEntries(
        ['started', 'completed', 'failed', 'retried', 'dead_lettered'].map((c) => [
          c,
          byType(m, `jobqueue_jobs_${c}_total`, type),
        ]),
      );
    expect(counts('echo')).toEqual({
      started: 8,
      completed: 6,
      failed: 2,
      retried: 2,
      dead_lettered: 0,
    });
    expect(counts('record')).toEqual({
      started: 5,
      completed: 1,
      failed: 4,
      retried: 1,
      dead_lettered: 3,
    });
    expect(sampleValue(m, 'jobqueue_sweeper_actions_total', { action: 'retried' })).toBe(3);
    expect(sampleValue(m, 'jobqueue_sweeper_actions_total', { action: 'stalled' })).toBe(0);
  });

  it('observes queue wait for first attempts and run time for every attempt', async () => {
    const m = await scrapeWorker();
    expect(byType(m, 'jobqueue_job_queue_wait_seconds_count', 'echo')).toBe(6);
    expect(byType(m, 'jobqueue_job_queue_wait_seconds_count', 'record')).toBe(4);
    expect(byType(m, 'jobqueue_job_run_duration_seconds_count', 'echo')).toBe(8);
    expect(byType(m, 'jobqueue_job_run_duration_seconds_count', 'record')).toBe(5);
    const infBucket = { job_type: 'echo', le: '+Inf' };
    expect(sampleValue(m, 'jobqueue_job_run_duration_seconds_bucket', infBucket)).toBe(8);
    expect(byType(m, 'jobqueue_job_run_duration_seconds_sum', 'echo')).toBeGreaterThan(0);
  });

  it('reports the worker slots and nothing in flight once the work is done', async () => {
    const m = await scrapeWorker();
    expect(sampleValue(m, 'jobqueue_worker_slots')).toBe(fx.config.worker.concurrency);
    expect(byType(m, 'jobqueue_worker_jobs_in_flight', 'echo')).toBe(0);
  });

  it('counts SQS calls without errors, and outbox rows relayed as the database recorded them', async () => {
    const [api, w] = [await scrapeApi(), await scrapeWorker()];
    expect(
      sampleValue(w, 'jobqueue_sqs_requests_total', { operation: 'ReceiveMessage' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(w, 'jobqueue_sqs_requests_total', { operation: 'DeleteMessageBatch' }),
    ).toBeGreaterThan(0);
    for (const m of [api, w])
      expect(m.get('jobqueue_sqs_request_errors_total')?.samples).toEqual([]);
    const relayed = (m: Map<string, Family>, outcome: string) =>
      m.get('jobqueue_outbox_rows_relayed_total')!.samples.find((s) => s.labels.outcome === outcome)
        ?.value ?? 0;
    // 10 jobs, 3 retries, 3 dead-letter copies; whichever process's relay sent them
    expect(relayed(api, 'sent') + relayed(w, 'sent')).toBe(16);
    expect(await fx.count('queue_messages', 'sent_at IS NOT NULL')).toBe(16);
    expect(relayed(api, 'failed') + relayed(w, 'failed')).toBe(0);
  });

  it('counts HTTP answers by route template and status, never by id', async () => {
    const token = fx.token('alice');
    await fx
      .http()
      .get(`/api/v1/jobs/${'0'.repeat(8)}-0000-4000-8000-000000000000`)
      .set(bearer(token))
      .expect(404);
    await fx.http().get('/no/such/route').expect(404);
    const m = await scrapeApi();
    const requests = (route: string, method: string, status: string) =>
      sampleValue(m, 'jobqueue_http_requests_total', { route, method, status });
    expect(requests('/api/v1/jobs', 'POST', '202')).toBe(TOTAL);
    expect(requests('/api/v1/jobs/:id', 'GET', '404')).toBe(1);
    expect(requests('unmatched', 'GET', '404')).toBe(1);
    const labelValues = [...m.values()].flatMap((f) =>
      f.samples.flatMap((s) => Object.values(s.labels)),
    );
    expect(labelValues.filter((v) => UUID.test(v) || v.includes('/no/such'))).toEqual([]);
  });

  it('reads the outbox backlog and its age from PostgreSQL on each scrape', async () => {
    expect(sampleValue(await scrapeApi(), 'jobqueue_outbox_backlog_rows')).toBe(0);
    await worker.close(); // its relay would send the row below
    const [{ id }] = await fx.db.dataSource.query<{ id: string }[]>(`SELECT id FROM jobs LIMIT 1`);
    await fx.db.dataSource.query(
      `INSERT INTO queue_messages (job_id, queue_url, attempt, created_at)
       VALUES ($1, $2, 1, now() - interval '90 seconds')`,
      [id, fx.queues.queueUrl],
    );
    const m = await scrapeApi();
    expect(sampleValue(m, 'jobqueue_outbox_backlog_rows')).toBe(1);
    expect(sampleValue(m, 'jobqueue_outbox_oldest_unsent_age_seconds')).toBeGreaterThanOrEqual(90);
    expect(sampleValue(m, 'jobqueue_outbox_oldest_unsent_age_seconds')).toBeLessThan(120);
  });

  it('serves valid text: a help and a type for every family, conventional names, process metrics', async () => {
    const m = await scrapeApi();
    for (const family of m.values()) expect(family.help).not.toBe('');
    const own = [...m.values()].filter((f) => f.name.startsWith('jobqueue_'));
    for (const f of own.filter((f) => f.type === 'counter')) expect(f.name).toMatch(/_total$/);
    for (const f of own.filter((f) => f.type === 'histogram')) expect(f.name).toMatch(/_seconds$/);
    expect(m.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(m.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
  });
});
