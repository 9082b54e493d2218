import { JobStatus } from '@app/database';
import { JobEventsHub } from '../../apps/api/src/events/job-events.hub';
import { record } from '../support/test-handlers';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
} from './support/api-fixture';

interface Detail {
  id: string;
  status: JobStatus;
  completedAt: string | null;
  results: unknown;
}

describe('GET /api/v1/jobs/:id?waitSeconds', () => {
  let fx: ApiFixture;
  const alice = () => bearer(fx.token('alice'));
  const create = async (payload: object) =>
    body<{ data: { id: string } }>(
      await fx
        .http()
        .post('/api/v1/jobs')
        .set(alice())
        .send({ jobType: 'record', payload })
        .expect(202),
    ).data.id;
  const get = (id: string, query = '') => fx.http().get(`/api/v1/jobs/${id}${query}`).set(alice());

  beforeAll(async () => {
    fx = await createApiFixture({ types: [record] });
    await fx.startWorker();
  });
  afterAll(() => fx.close());

  it('answers within a second of the job completing', async () => {
    const id = await create({ sleepMs: 1500 });
    const res = await get(id, '?waitSeconds=20').expect(200);
    const answeredAt = Date.now();
    const job = body<{ data: Detail }>(res).data;
    expect(job.status).toBe(JobStatus.Completed);
    expect(job.results).toEqual({ attempt: 1, pid: process.pid });
    expect(answeredAt - Date.parse(job.completedAt!)).toBeLessThan(1000);
  });

  it('answers with the job as it is when the wait ends first', async () => {
    const id = await create({ sleepMs: 10_000 });
    const started = Date.now();
    const res = await get(id, '?waitSeconds=1').expect(200);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThan(2000);
    expect([JobStatus.Pending, JobStatus.Processing]).toContain(
      body<{ data: Detail }>(res).data.status,
    );
    await fx.http().put(`/api/v1/jobs/${id}/cancel`).set(alice()).expect(200);
  });

  it('keeps waiting through a failed attempt that will be retried', async () => {
    const id = await create({ failAttempts: 1 });
    const job = body<{ data: Detail & { retryCount: number } }>(
      await get(id, '?waitSeconds=20').expect(200),
    ).data;
    expect(job).toMatchObject({ status: JobStatus.Completed, retryCount: 1 });
  });

  it('answers a settled job at once, and another user 404 without waiting', async () => {
    const id = await create({});
    await fx.waitFor(id, (j) => j.status === JobStatus.Completed);
    let started = Date.now();
    await get(id, '?waitSeconds=30').expect(200);
    expect(Date.now() - started).toBeLessThan(1000);
    started = Date.now();
    await fx
      .http()
      .get(`/api/v1/jobs/${id}?waitSeconds=30`)
      .set(bearer(fx.token('mallory')))
      .expect(404);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops waiting when the client goes away', async () => {
    const id = await create({ sleepMs: 10_000 });
    const hub = fx.app.get(JobEventsHub);
    const before = hub.streams;
    const aborted = new AbortController();
    const request = fetch(`${await fx.app.getUrl()}/api/v1/jobs/${id}?waitSeconds=30`, {
      headers: alice(),
      signal: aborted.signal,
    }).catch(() => 'aborted');
    await eventually(
      () => Promise.resolve(hub.streams),
      (n) => n === before + 1,
      5000,
    );
    aborted.abort();
    expect(await request).toBe('aborted');
    await eventually(
      () => Promise.resolve(hub.streams),
      (n) => n === before,
      2000,
    );
    await fx.http().put(`/api/v1/jobs/${id}/cancel`).set(alice()).expect(200);
  });

  it.each(['61', '-1', '1.5', 'soon'])(
    'refuses waitSeconds=%s with 400 naming it',
    async (value) => {
      const id = await create({});
      const res = await get(id, `?waitSeconds=${value}`);
      expect(res.status).toBe(400);
      const { error } = body<ErrorBody>(res);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(new Set(error.details.map((d) => d.field))).toEqual(new Set(['waitSeconds']));
    },
  );
});
