import { JobStatus } from '@app/database';
import type { JobAcceptedResponseDto } from '../../apps/api/src/jobs/dto/job-accepted.response.dto';
import type { JobDetailResponseDto } from '../../apps/api/src/jobs/dto/job-detail.response.dto';
import type { JobListResponseDto } from '../../apps/api/src/jobs/dto/job-list.response.dto';
import type { JobLogsResponseDto } from '../../apps/api/src/jobs/dto/job-logs.response.dto';
import type { StatsOverviewResponseDto } from '../../apps/api/src/jobs/dto/stats-overview.response.dto';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
  ISO_DATE,
  type Wire,
} from './support/api-fixture';

type Detail = Wire<JobDetailResponseDto>['data'];
type List = Wire<JobListResponseDto>;

describe('reading jobs: GET /jobs, /jobs/:id, /jobs/:id/logs, /jobs/stats/overview', () => {
  let fx: ApiFixture;
  const admin = () => fx.token('root', 'admin');
  const create = async (sub: string, payload: object, extra: object = {}) => {
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set(bearer(fx.token(sub)))
      .send({ jobType: 'echo', payload, ...extra })
      .expect(202);
    return body<Wire<JobAcceptedResponseDto>>(res).data.id;
  };
  const get = async (sub: string, id: string) =>
    body<Wire<JobDetailResponseDto>>(
      await fx
        .http()
        .get(`/api/v1/jobs/${id}`)
        .set(bearer(fx.token(sub)))
        .expect(200),
    ).data;
  const list = async (sub: string, query: string, token = fx.token(sub)) =>
    body<List>(await fx.http().get(`/api/v1/jobs${query}`).set(bearer(token)).expect(200));
  const until = (sub: string, id: string, done: (job: Detail) => boolean, timeoutMs?: number) =>
    eventually(() => get(sub, id), done, timeoutMs);

  beforeAll(async () => {
    fx = await createApiFixture();
    await fx.startWorker();
  });
  afterAll(() => fx.close());

  it('shows a completed job with the specification’s fields, its results and no estimate', async () => {
    const id = await create('reader', { message: 'done soon' });
    const job = await until('reader', id, (j) => j.status === JobStatus.Completed);
    expect(job).toEqual({
      id,
      status: 'completed',
      progress: 100,
      jobType: 'echo',
      userId: 'reader',
      payload: { message: 'done soon' },
      createdAt: expect.stringMatching(ISO_DATE) as string,
      startedAt: expect.stringMatching(ISO_DATE) as string,
      estimatedCompletion: null,
      completedAt: expect.stringMatching(ISO_DATE) as string,
      retryCount: 0,
      maxRetries: 3,
      nextRetryAt: null,
      runAt: null,
      expireAt: null,
      timeoutSeconds: null,
      errorMessage: null,
      cancelRequested: false,
      results: { echoed: 'done soon', attempt: 1 },
      dependsOn: [],
      dependenciesLeft: 0,
      dependents: [],
    });
  });

  it('estimates the completion of a processing job from its progress', async () => {
    const id = await create('reader', { delayMs: 4000 });
    const job = await until(
      'reader',
      id,
      (j) => j.status === JobStatus.Processing && j.progress >= 20,
    );
    expect(job.results).toBeNull();
    expect(job.completedAt).toBeNull();
    const started = Date.parse(job.startedAt!);
    const eta = Date.parse(job.estimatedCompletion!);
    // 4 s of work: the estimate lies after now and well within a few seconds of the real end
    expect(eta).toBeGreaterThan(Date.now() - 500);
    expect(eta - started).toBeGreaterThan(1500);
    expect(eta - started).toBeLessThan(15_000);
    const done = await until('reader', id, (j) => j.status === JobStatus.Completed, 15_000);
    expect(done.estimatedCompletion).toBeNull();
  });

  it('pages through a user’s jobs newest first, with the total of every page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push(await create('pager', { message: `${i}` }));
    const pages = await Promise.all([1, 2, 3, 4].map((p) => list('pager', `?limit=10&page=${p}`)));
    expect(pages.map((p) => p.data.length)).toEqual([10, 10, 5, 0]);
    expect(pages.map((p) => p.pagination)).toEqual(
      [1, 2, 3, 4].map((page) => ({ page, limit: 10, total: 25 })),
    );
    expect(pages.flatMap((p) => p.data.map((j) => j.id))).toEqual([...ids].reverse());
    const [first] = pages[0].data;
    expect(Object.keys(first).sort()).toEqual([
      'completedAt',
      'createdAt',
      'id',
      'jobType',
      'progress',
      'runAt',
      'startedAt',
      'status',
      'userId',
    ]);
  });

  it('uses page 1 and 20 jobs a page by default', async () => {
    const page = await list('pager', '');
    expect(page.pagination).toEqual({ page: 1, limit: 20, total: 25 });
    expect(page.data).toHaveLength(20);
  });

  it('filters by one or several statuses and by job type', async () => {
    const completed = await create('filter', { message: 'ok' });
    const failed = await create('filter', { failAttempts: 1 }, { maxRetries: 0 });
    const running = await create('filter', { delayMs: 20_000 });
    await until('filter', completed, (j) => j.status === JobStatus.Completed);
    await until('filter', failed, (j) => j.status === JobStatus.Failed);
    await until('filter', running, (j) => j.status === JobStatus.Processing);
    const ids = (page: List) => page.data.map((j) => j.id).sort();
    expect(ids(await list('filter', '?status=completed'))).toEqual([completed]);
    expect(ids(await list('filter', '?status=failed&status=processing'))).toEqual(
      [failed, running].sort(),
    );
    expect(ids(await list('filter', '?status=failed,completed'))).toEqual(
      [completed, failed].sort(),
    );
    expect((await list('filter', '?jobType=echo')).pagination.total).toBe(3);
    expect((await list('filter', '?jobType=thumbnail-generation')).pagination.total).toBe(0);
    await fx
      .http()
      .put(`/api/v1/jobs/${running}/cancel`)
      .set(bearer(fx.token('filter')))
      .expect(200); // its handler stops within CANCEL_WAIT_MS
  });

  it.each([
    ['limit=101', 'limit'],
    ['limit=0', 'limit'],
    ['page=0', 'page'],
    ['page=two', 'page'],
    ['status=running', 'status'],
    ['sort=asc', 'sort'],
  ])('refuses ?%s with 400 naming %s', async (query, field) => {
    const res = await fx
      .http()
      .get(`/api/v1/jobs?${query}`)
      .set(bearer(fx.token('reader')));
    expect(res.status).toBe(400);
    const { error } = body<ErrorBody>(res);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.map((d) => d.field)).toContain(field);
  });

  it('lists only the caller’s jobs, and every user’s for an admin', async () => {
    const mine = await list('pager', '?limit=100');
    expect(new Set(mine.data.map((j) => j.userId))).toEqual(new Set(['pager']));
    const all = await list('root', '?limit=100', admin());
    expect(new Set(all.data.map((j) => j.userId))).toEqual(new Set(['reader', 'pager', 'filter']));
    const [{ n }] = await fx.db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM jobs`,
    );
    expect(all.pagination.total).toBe(n);
  });

  it('returns a job’s log lines oldest first, from the worker, with level, source and time', async () => {
    const id = await create('reader', { message: 'log me' });
    await until('reader', id, (j) => j.status === JobStatus.Completed);
    const res = await fx
      .http()
      .get(`/api/v1/jobs/${id}/logs`)
      .set(bearer(fx.token('reader')))
      .expect(200);
    const { data } = body<Wire<JobLogsResponseDto>>(res);
    expect(data.errorMessage).toBeNull();
    expect(data.logs.map((l) => l.message)).toEqual([
      expect.stringMatching(/^attempt 1 started/) as string,
      'echo: log me',
      'attempt 1 completed',
    ]);
    for (const line of data.logs) {
      expect(line).toEqual({
        level: 'info',
        message: expect.any(String) as string,
        source: 'worker',
        attempt: 1,
        timestamp: expect.stringMatching(ISO_DATE) as string,
      });
    }
    const times = data.logs.map((l) => Date.parse(l.timestamp));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('returns the error message of a failed job with its logs', async () => {
    const id = await create('reader', { failAttempts: 1 }, { maxRetries: 0 });
    await until('reader', id, (j) => j.status === JobStatus.Failed);
    const res = await fx
      .http()
      .get(`/api/v1/jobs/${id}/logs`)
      .set(bearer(fx.token('reader')))
      .expect(200);
    const { data } = body<Wire<JobLogsResponseDto>>(res);
    expect(data.errorMessage).toBe('echo: failing attempt 1 of 1 on purpose');
    expect(data.logs[0].message).toMatch(/^attempt 1 started/);
  });

  it('gives admins the overview: totals, every status, processing time, failure rate and SQS depth', async () => {
    const res = await fx.http().get('/api/v1/jobs/stats/overview').set(bearer(admin())).expect(200);
    const { data } = body<Wire<StatsOverviewResponseDto>>(res);
    const counts = await fx.db.dataSource.query<{ status: string; n: number }[]>(
      `SELECT status, count(*)::int AS n FROM jobs GROUP BY status`,
    );
    const expected = { pending: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const c of counts) expected[c.status as keyof typeof expected] = c.n;
    expect(data.byStatus).toEqual(expected);
    expect(data.totalJobs).toBe(counts.reduce((n, c) => n + c.n, 0));
    expect(data.failureRate).toBe(
      Math.round((expected.failed / (expected.completed + expected.failed)) * 1000) / 10,
    );
    expect(data.failureRate).toBeGreaterThan(0);
    const [{ avg }] = await fx.db.dataSource.query<{ avg: number }[]>(
      `SELECT avg(extract(epoch FROM completed_at - started_at) * 1000)::float8 AS avg FROM jobs WHERE status = 'completed'`,
    );
    expect(data.averageProcessingTime).toBeCloseTo(avg / 1000, 2);
    expect(data.averageProcessingTime).toBeGreaterThan(0);
    expect(data.queueDepth).toEqual(expect.any(Number));
    // the jobs that failed for good were copied to the dead-letter queue
    expect(data.deadLetterDepth).toBeGreaterThanOrEqual(2);
  });

  it('breaks the overview down by type, per minute of the last hour, and reports the outbox backlog', async () => {
    const res = await fx.http().get('/api/v1/jobs/stats/overview').set(bearer(admin())).expect(200);
    const { data } = body<Wire<StatsOverviewResponseDto>>(res);
    const rows = await fx.db.dataSource.query<{ job_type: string; status: string; n: number }[]>(
      `SELECT job_type, status, count(*)::int AS n FROM jobs GROUP BY job_type, status`,
    );
    expect(data.byType.map((t) => t.jobType)).toEqual(
      [...new Set(rows.map((r) => r.job_type))].sort(),
    );
    for (const row of rows)
      expect(data.byType.find((t) => t.jobType === row.job_type)!.byStatus).toMatchObject({
        [row.status]: row.n,
      });
    expect(data.throughput).toHaveLength(60);
    const minutes = data.throughput.map((p) => Date.parse(p.at));
    expect(minutes.every((at, i) => i === 0 || at - minutes[i - 1] === 60_000)).toBe(true);
    // every job of this file finished within the last hour
    const [{ failed }] = await fx.db.dataSource.query<{ failed: number }[]>(
      `SELECT count(*)::int AS failed FROM job_metrics WHERE metric_type = 'failed_attempt_ms'`,
    );
    const sum = (key: 'completed' | 'failed') => data.throughput.reduce((n, p) => n + p[key], 0);
    expect(sum('completed')).toBe(data.byStatus.completed);
    expect(sum('failed')).toBe(failed);
    expect(failed).toBeGreaterThan(0);
    const [{ unsent }] = await fx.db.dataSource.query<{ unsent: number }[]>(
      `SELECT count(*)::int AS unsent FROM queue_messages WHERE sent_at IS NULL`,
    );
    expect(data.outbox.backlog).toBe(unsent);
    expect(data.outbox.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('refuses the overview to a non-admin with 403 FORBIDDEN', async () => {
    const res = await fx
      .http()
      .get('/api/v1/jobs/stats/overview')
      .set(bearer(fx.token('reader')));
    expect(res.status).toBe(403);
    expect(body<ErrorBody>(res).error).toMatchObject({ code: 'FORBIDDEN', details: [] });
  });

  it('answers a malformed id with 400 naming id, and an unknown one with 404 JOB_NOT_FOUND', async () => {
    const bad = await fx
      .http()
      .get('/api/v1/jobs/12345')
      .set(bearer(fx.token('reader')));
    expect(bad.status).toBe(400);
    expect(body<ErrorBody>(bad).error.details).toEqual([
      { field: 'id', message: 'id must be a UUID' },
    ]);
    const missing = await fx
      .http()
      .get('/api/v1/jobs/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f/logs')
      .set(bearer(fx.token('reader')));
    expect(missing.status).toBe(404);
    expect(body<ErrorBody>(missing).error.code).toBe('JOB_NOT_FOUND');
  });

  it('answers an unknown route with 404 in the error envelope', async () => {
    const res = await fx
      .http()
      .get('/api/v1/queues')
      .set(bearer(fx.token('reader')));
    expect(res.status).toBe(404);
    expect(body<ErrorBody>(res).error.code).toBe('NOT_FOUND');
  });

  it('answers a database failure with 500 INTERNAL and no SQL or stack trace', async () => {
    const id = await create('reader', { message: 'x' });
    await fx.db.dataSource.query(`ALTER TABLE job_logs RENAME TO job_logs_hidden`);
    try {
      const res = await fx
        .http()
        .get(`/api/v1/jobs/${id}/logs`)
        .set(bearer(fx.token('reader')));
      expect(res.status).toBe(500);
      expect(body<ErrorBody>(res)).toEqual({
        error: { code: 'INTERNAL', message: 'Internal server error', details: [] },
      });
      expect(res.text).not.toMatch(/job_logs|SELECT|relation|\bat \w/);
    } finally {
      await fx.db.dataSource.query(`ALTER TABLE job_logs_hidden RENAME TO job_logs`);
    }
  });
});
