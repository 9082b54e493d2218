import { JobStatus } from '@app/database';
import type { OpenAPIObject } from '@nestjs/swagger';
import { type ApiFixture, bearer, body, createApiFixture } from '../e2e/support/api-fixture';

const JOB = { jobType: 'echo', payload: { message: 'hello' } };
const SCHEDULE = { cron: '0 3 * * *', ...JOB };

describe('security: a viewer reads what an admin reads and changes nothing', () => {
  let fx: ApiFixture;
  let alicesJob: string;
  let deadJob: string;
  let alicesSchedule: string;
  const viewer = () => bearer(fx.token('vera', 'viewer'));
  const snapshot = async () => ({
    jobs: await fx.db.dataSource.query<unknown[]>(
      `SELECT id, status, attempt, retry_count, cancel_requested_at FROM jobs ORDER BY id`,
    ),
    messages: await fx.count('queue_messages'),
    schedules: await fx.db.dataSource.query<unknown[]>(
      `SELECT id, cron, paused, next_run_at, updated_at FROM schedules ORDER BY id`,
    ),
    typeStates: await fx.db.dataSource.query<unknown[]>(`SELECT * FROM job_type_states`),
    userLimits: await fx.db.dataSource.query<unknown[]>(`SELECT * FROM user_limits`),
  });

  beforeAll(async () => {
    fx = await createApiFixture();
    const created = await fx
      .http()
      .post('/api/v1/jobs')
      .set(bearer(fx.token('alice')))
      .send(JOB)
      .expect(202);
    alicesJob = body<{ data: { id: string } }>(created).data.id;
    const dead = await fx.jobs.create({ userId: 'bob', ...JOB, maxRetries: 0 });
    await fx.jobs.claim(dead.id);
    await fx.jobs.fail(dead.id, 1, { errorMessage: 'boom', retryDelayMs: null });
    deadJob = dead.id;
    const schedule = await fx
      .http()
      .post('/api/v1/schedules')
      .set(bearer(fx.token('alice')))
      .send(SCHEDULE)
      .expect(201);
    alicesSchedule = body<{ data: { id: string } }>(schedule).data.id;
    await fx
      .http()
      .put('/api/v1/job-types/echo/pause')
      .set(bearer(fx.token('ops', 'admin')))
      .expect(200);
    await fx
      .http()
      .put('/api/v1/job-types/echo/rate-limit')
      .set(bearer(fx.token('ops', 'admin')))
      .send({ limit: 5, intervalSeconds: 60 })
      .expect(200);
  });
  afterAll(() => fx.close());

  /** Every route that changes something, with a request an admin could make. */
  const MUTATIONS: [route: string, body: object][] = [
    ['post /api/v1/jobs', JOB],
    ['post /api/v1/jobs', { jobType: 'cleanup-jobs', payload: { allUsers: true } }],
    ['post /api/v1/jobs/batch', { jobs: [JOB] }],
    ['post /api/v1/jobs/dlq/redrive', { all: true }],
    ['put /api/v1/jobs/:alice/cancel', {}],
    ['post /api/v1/jobs/:dead/retry', {}],
    ['post /api/v1/uploads', { filename: 'a.mp4', contentType: 'video/mp4', contentLength: 10 }],
    ['post /api/v1/schedules', SCHEDULE],
    ['patch /api/v1/schedules/:schedule', { cron: '0 4 * * *' }],
    ['put /api/v1/schedules/:schedule/pause', {}],
    ['put /api/v1/schedules/:schedule/resume', {}],
    ['delete /api/v1/schedules/:schedule', {}],
    ['put /api/v1/job-types/:running/pause', {}],
    ['put /api/v1/job-types/:paused/resume', {}],
    ['put /api/v1/job-types/:running/rate-limit', { limit: 10, intervalSeconds: 1 }],
    ['delete /api/v1/job-types/:limited/rate-limit', {}],
    ['put /api/v1/admin/fair-shares/users/:user', { maxRunning: 5 }],
    ['delete /api/v1/admin/fair-shares/users/:user', {}],
    ['put /api/v1/admin/fair-shares/types/:running', { maxRunningPerUser: 2 }],
    ['delete /api/v1/admin/fair-shares/types/:running', {}],
  ];

  it('the list above names every route that is not a GET, so a new one cannot be missed', async () => {
    const doc = body<OpenAPIObject>(await fx.http().get('/docs-json').expect(200));
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => method !== 'get')
        .map(
          (method) =>
            `${method} ${path.replace('{id}', ':id').replace('{type}', ':type').replace('{userId}', ':user')}`,
        ),
    );
    const tested = MUTATIONS.map(([route]) =>
      route.replace(/:(alice|dead|schedule)/, ':id').replace(/:(running|paused|limited)/, ':type'),
    );
    expect(new Set(tested)).toEqual(new Set(documented));
  });

  it.each(MUTATIONS)('%s: 403 READ_ONLY_ROLE and nothing written', async (route, req) => {
    const [method, template] = route.split(' ') as ['post' | 'put' | 'patch' | 'delete', string];
    const path = template
      .replace(':alice', alicesJob)
      .replace(':dead', deadJob)
      .replace(':schedule', alicesSchedule)
      .replace(':running', 'export')
      .replace(':paused', 'echo')
      .replace(':limited', 'echo')
      .replace(':user', 'alice');
    const before = await snapshot();
    const res = await fx.http()[method](path).set(viewer()).send(req);
    expect(res.status).toBe(403);
    expect(body<{ error: { code: string; message: string } }>(res).error).toEqual({
      code: 'READ_ONLY_ROLE',
      message: 'The viewer role is read-only: it cannot create, change or delete anything',
      details: [],
    });
    expect(await snapshot()).toEqual(before);
  });

  it('reads every admin read route: 200 with what an admin gets', async () => {
    const admin = bearer(fx.token('ops', 'admin'));
    for (const path of [
      '/api/v1/jobs',
      '/api/v1/jobs/stats/overview',
      '/api/v1/jobs/dlq',
      `/api/v1/jobs/${alicesJob}`,
      `/api/v1/jobs/${alicesJob}/logs`,
      '/api/v1/schedules',
      `/api/v1/schedules/${alicesSchedule}`,
      '/api/v1/admin/fair-shares',
    ]) {
      const [seen, asAdmin] = await Promise.all([
        fx.http().get(path).set(viewer()),
        fx.http().get(path).set(admin),
      ]);
      expect({ path, status: seen.status }).toEqual({ path, status: 200 });
      expect({ path, body: seen.body as unknown }).toEqual({ path, body: asAdmin.body as unknown });
    }
    const list = body<{ data: { id: string }[] }>(
      await fx.http().get('/api/v1/jobs').set(viewer()),
    );
    expect(list.data.map((j) => j.id).sort()).toEqual([alicesJob, deadJob].sort());
    const health = await fx.http().get('/api/v1/admin/health').set(viewer());
    expect(health.status).toBe(200);
    expect(health.body).toHaveProperty('data.workers');
  });

  it('a plain user is still refused the admin read routes with FORBIDDEN', async () => {
    for (const path of [
      '/api/v1/jobs/stats/overview',
      '/api/v1/jobs/dlq',
      '/api/v1/admin/health',
    ]) {
      const res = await fx
        .http()
        .get(path)
        .set(bearer(fx.token('alice')));
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(body<{ error: { code: string } }>(res).error.code).toBe('FORBIDDEN');
    }
  });

  it('roles add up: a token with viewer and admin acts as an admin', async () => {
    const both = bearer(fx.token('ops', ['viewer', 'admin']));
    const res = await fx.http().put(`/api/v1/jobs/${alicesJob}/cancel`).set(both);
    expect(res.status).toBe(200);
    expect((await fx.jobs.getById(alicesJob)).status).toBe(JobStatus.Cancelled);
  });
});
