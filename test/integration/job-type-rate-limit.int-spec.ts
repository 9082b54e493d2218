import { JobStatus } from '@app/database';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
} from '../e2e/support/api-fixture';
import { record } from '../support/test-handlers';

interface RateLimitState {
  name: string;
  rateLimit: { limit: number; intervalSeconds: number } | null;
  announced?: number;
}

/** The most start times (ms) that fall in any window [t, t + windowMs), t sliding over them. */
function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j] < sorted[i] + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe('rate limits per job type', () => {
  let fx: ApiFixture;
  const admin = () => bearer(fx.token('ops', 'admin'));
  const user = () => bearer(fx.token('alice'));
  const viewer = () => bearer(fx.token('eve', 'viewer'));
  const create = async (n: number, payload: { sleepMs?: number } = {}) =>
    body<{ data: { id: string }[] }>(
      await fx
        .http()
        .post('/api/v1/jobs/batch')
        .set(user())
        .send({ jobs: Array.from({ length: n }, () => ({ jobType: 'record', payload })) })
        .expect(202),
    ).data.map((j) => j.id);
  const completed = (ids: string[]) =>
    fx.count('jobs', `status = '${JobStatus.Completed}' AND id = ANY($1)`, [ids]);
  const nothingInSqs = { visible: 0, inFlight: 0, delayed: 0 };

  beforeAll(async () => {
    // one receive before the DLQ: a message handed back to wait would be dead-lettered
    fx = await createApiFixture({ types: [record], maxReceiveCount: 1 });
    // 6 slots each: 10 starts a second of 1 s jobs need both workers
    await fx.startWorker({ worker: { concurrency: 6 } });
    await fx.startWorker({ worker: { concurrency: 6 } });
  });
  afterAll(() => fx.close());

  it('starts at most 10 jobs in any second across two workers, and runs them all', async () => {
    const set = await fx
      .http()
      .put('/api/v1/job-types/record/rate-limit')
      .set(admin())
      .send({ limit: 10, intervalSeconds: 1 })
      .expect(200);
    expect(body<{ data: RateLimitState }>(set).data).toEqual({
      name: 'record',
      rateLimit: { limit: 10, intervalSeconds: 1 },
    });

    const ids = await create(60, { sleepMs: 1000 });
    await eventually(
      () => completed(ids),
      (n) => n === 60,
      30_000,
    );
    const starts = (
      await fx.db.dataSource.query<{ at: number }[]>(
        `SELECT extract(epoch FROM started_at) * 1000 AS at FROM jobs WHERE id = ANY($1)`,
        [ids],
      )
    ).map((r) => Number(r.at));
    const span = Math.max(...starts) - Math.min(...starts);
    const busiest = busiestWindow(starts, 1000);
    const [runs] = await fx.db.dataSource.query<{ runs: number; jobs: number; workers: number }[]>(
      `SELECT count(*)::int AS runs, count(DISTINCT job_id)::int AS jobs, count(DISTINCT worker)::int AS workers
       FROM handler_runs WHERE job_id = ANY($1)`,
      [ids],
    );
    const messages = await fx.count('queue_messages', 'job_id = ANY($1)', [ids]);
    // printed so a reader sees the measured rate, not only that it passed
    console.log(
      `rate limit 10/s, 60 jobs, two workers: busiest 1 s window ${busiest} starts, first to last start ${Math.round(span)} ms, ${messages} messages`,
    );
    expect(busiest).toBeLessThanOrEqual(10);
    // 60 starts with at most 10 in any second need more than 5 s; the limit, not the workers, set the pace
    expect(span).toBeGreaterThanOrEqual(5000);
    expect(span).toBeLessThan(12_000);
    expect(runs).toEqual({ runs: 60, jobs: 60, workers: 2 });
    expect((await fx.queue.getQueueStats()).deadLetter).toEqual(nothingInSqs);

    // anyone signed in sees the limit; admins and viewers in the overview too
    const listed = body<{ data: RateLimitState[] }>(
      await fx.http().get('/api/v1/job-types').set(viewer()).expect(200),
    ).data;
    expect(listed.find((t) => t.name === 'record')?.rateLimit).toEqual({
      limit: 10,
      intervalSeconds: 1,
    });
    expect(listed.find((t) => t.name === 'echo')?.rateLimit).toBeNull();
    const overview = await fx.http().get('/api/v1/jobs/stats/overview').set(viewer()).expect(200);
    expect(body<{ data: { rateLimitedTypes: unknown[] } }>(overview).data.rateLimitedTypes).toEqual(
      [{ jobType: 'record', limit: 10, intervalSeconds: 1 }],
    );
  }, 60_000);

  it('removing a limit starts the jobs it deferred at once', async () => {
    await fx
      .http()
      .put('/api/v1/job-types/record/rate-limit')
      .set(admin())
      .send({ limit: 1, intervalSeconds: 3600 })
      .expect(200);
    const ids = await create(5);
    // the hour's one start may have gone to an earlier job of this type; the rest wait for
    // slots an hour apart, in the outbox, not in SQS
    await eventually(
      () =>
        fx.count(
          'queue_messages',
          `job_id = ANY($1) AND sent_at IS NULL AND not_before > now() + interval '50 minutes'`,
          [ids],
        ),
      (n) => n >= 4,
      10_000,
    );
    const before = await completed(ids);
    expect(before).toBeLessThanOrEqual(1);

    const started = Date.now();
    const removed = await fx
      .http()
      .delete('/api/v1/job-types/record/rate-limit')
      .set(admin())
      .expect(200);
    expect(body<{ data: RateLimitState }>(removed).data).toEqual({
      name: 'record',
      rateLimit: null,
      announced: 5 - before,
    });
    await eventually(
      () => completed(ids),
      (n) => n === 5,
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await fx.queue.getQueueStats()).deadLetter).toEqual(nothingInSqs);
    // removing an absent limit changes nothing
    const again = await fx
      .http()
      .delete('/api/v1/job-types/record/rate-limit')
      .set(admin())
      .expect(200);
    expect(body<{ data: RateLimitState }>(again).data).toEqual({
      name: 'record',
      rateLimit: null,
      announced: 0,
    });
  }, 30_000);

  it('refuses bad values (400 naming the field), users and viewers (403), unknown types (404)', async () => {
    const before = await fx.db.dataSource.query<unknown[]>(`SELECT * FROM job_type_states`);
    const put = (type: string, payload: object, auth = admin()) =>
      fx.http().put(`/api/v1/job-types/${type}/rate-limit`).set(auth).send(payload);
    for (const [payload, field] of [
      [{ limit: 0, intervalSeconds: 1 }, 'limit'],
      [{ limit: 10_001, intervalSeconds: 1 }, 'limit'],
      [{ limit: 1.5, intervalSeconds: 1 }, 'limit'],
      [{ limit: '10', intervalSeconds: 1 }, 'limit'],
      [{ intervalSeconds: 1 }, 'limit'],
      [{ limit: 10, intervalSeconds: 0 }, 'intervalSeconds'],
      [{ limit: 10, intervalSeconds: 86_401 }, 'intervalSeconds'],
      [{ limit: 10 }, 'intervalSeconds'],
      [{ limit: 10, intervalSeconds: 1, burst: 5 }, 'burst'],
    ] as const) {
      const refused = await put('record', payload);
      expect(refused.status).toBe(400);
      const { error } = body<ErrorBody>(refused);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(new Set(error.details.map((d) => d.field))).toEqual(new Set([field]));
    }
    for (const [auth, code] of [
      [user(), 'FORBIDDEN'],
      [viewer(), 'READ_ONLY_ROLE'],
    ] as const) {
      const forbidden = await put('record', { limit: 10, intervalSeconds: 1 }, auth);
      expect(forbidden.status).toBe(403);
      expect(body<ErrorBody>(forbidden).error.code).toBe(code);
      expect((await fx.http().delete('/api/v1/job-types/record/rate-limit').set(auth)).status).toBe(
        403,
      );
    }
    const unknown = await put('no-such-type', { limit: 10, intervalSeconds: 1 });
    expect(unknown.status).toBe(404);
    expect(body<ErrorBody>(unknown).error).toMatchObject({
      code: 'JOB_TYPE_NOT_FOUND',
      details: [{ field: 'type', message: 'Job type "no-such-type" does not exist' }],
    });
    expect(
      (await fx.http().delete('/api/v1/job-types/no-such-type/rate-limit').set(admin())).status,
    ).toBe(404);
    expect(await fx.db.dataSource.query(`SELECT * FROM job_type_states`)).toEqual(before);
  });
});
