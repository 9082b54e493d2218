import { JobStatus } from '@app/database';
import type { JobAcceptedResponseDto } from '../../apps/api/src/jobs/dto/job-accepted.response.dto';
import type { JobDetailResponseDto } from '../../apps/api/src/jobs/dto/job-detail.response.dto';
import type { JobListResponseDto } from '../../apps/api/src/jobs/dto/job-list.response.dto';
import { record } from '../support/test-handlers';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
  sleep,
  type Wire,
} from './support/api-fixture';

type Detail = Wire<JobDetailResponseDto>['data'];

/** When a job may run (issue 14): runAt / delaySeconds, timeoutSeconds, expireAt, through the api. */
describe('delayed jobs, per-job timeouts and expiry', () => {
  let fx: ApiFixture;
  const as = (sub: string) => bearer(fx.token(sub));
  const post = (job: object, sub = 'timing') =>
    fx.http().post('/api/v1/jobs').set(as(sub)).send(job);
  const create = async (job: object) =>
    body<Wire<JobAcceptedResponseDto>>(await post(job).expect(202)).data;
  const get = async (id: string) =>
    body<Wire<JobDetailResponseDto>>(
      await fx.http().get(`/api/v1/jobs/${id}`).set(as('timing')).expect(200),
    ).data;
  const until = (id: string, done: (job: Detail) => boolean, timeoutMs?: number) =>
    eventually(() => get(id), done, timeoutMs);
  /** The job's times by the database clock, in ms since the epoch. */
  const times = async (id: string) => {
    const [row] = await fx.db.dataSource.query<{ run_at: number; started_at: number | null }[]>(
      `SELECT extract(epoch FROM run_at) * 1000 AS run_at, extract(epoch FROM started_at) * 1000 AS started_at
       FROM jobs WHERE id = $1`,
      [id],
    );
    return { runAt: Number(row.run_at), startedAt: row.started_at && Number(row.started_at) };
  };
  const outboxRow = async (id: string) => {
    const [row] = await fx.db.dataSource.query<
      { not_before: Date | null; sent_at: Date | null; processed_at: Date | null }[]
    >(`SELECT not_before, sent_at, processed_at FROM queue_messages WHERE job_id = $1`, [id]);
    return row;
  };
  /** Moves the job's due time (and its outbox row's) to `seconds` from the database's now. */
  const advanceTo = (id: string, seconds: number) =>
    fx.db.dataSource.query(
      `WITH j AS (UPDATE jobs SET run_at = now() + make_interval(secs => $2) WHERE id = $1 RETURNING run_at)
       UPDATE queue_messages SET not_before = (SELECT run_at FROM j) WHERE job_id = $1`,
      [id, seconds],
    );
  const runs = async (id: string) =>
    (
      await fx.db.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM handler_runs WHERE job_id = $1`,
        [id],
      )
    )[0].n;

  describe('with a worker running', () => {
    beforeAll(async () => {
      fx = await createApiFixture({ types: [record] });
      await fx.startWorker();
    });
    afterAll(() => fx.close());

    it('keeps a job pending until its runAt, shows the due time, and starts it within 5 s after', async () => {
      const runAt = new Date(Date.now() + 3000).toISOString();
      const accepted = await create({ jobType: 'record', payload: {}, runAt });
      expect(await get(accepted.id)).toMatchObject({ status: 'pending', runAt });
      await sleep(1500);
      expect(await get(accepted.id)).toMatchObject({ status: 'pending', runAt, startedAt: null });
      const list = body<Wire<JobListResponseDto>>(
        await fx.http().get('/api/v1/jobs').set(as('timing')).expect(200),
      ).data;
      expect(list.find((j) => j.id === accepted.id)).toMatchObject({ runAt });
      await until(accepted.id, (j) => j.status === JobStatus.Completed, 15_000);
      const t = await times(accepted.id);
      expect(t.startedAt).toBeGreaterThanOrEqual(t.runAt);
      expect(t.startedAt! - t.runAt).toBeLessThan(5000);
    });

    it('holds a job delayed past SQS’s 15 minutes in PostgreSQL, unsent, and starts it within 5 s of its time', async () => {
      const accepted = await create({ jobType: 'record', payload: {}, delaySeconds: 7200 });
      const { runAt, startedAt } = await times(accepted.id);
      expect(runAt - Date.parse(accepted.createdAt)).toBeGreaterThanOrEqual(7_199_000);
      expect(startedAt).toBeNull();
      await sleep(1000); // five relay passes
      expect(await outboxRow(accepted.id)).toMatchObject({ sent_at: null });
      const { queue } = await fx.queue.getQueueStats();
      expect(queue.visible + queue.delayed + queue.inFlight).toBe(0);
      await advanceTo(accepted.id, 2); // two hours pass
      await until(accepted.id, (j) => j.status === JobStatus.Completed, 15_000);
      const t = await times(accepted.id);
      expect(t.startedAt).toBeGreaterThanOrEqual(t.runAt);
      expect(t.startedAt! - t.runAt).toBeLessThan(5000);
      expect(await runs(accepted.id)).toBe(1);
    });

    it('runs a job whose runAt has passed at once', async () => {
      const runAt = new Date(Date.now() - 3_600_000).toISOString();
      const accepted = await create({ jobType: 'record', payload: {}, runAt });
      expect((await get(accepted.id)).runAt).toBe(runAt);
      expect((await outboxRow(accepted.id)).not_before).toBeNull();
      await until(accepted.id, (j) => j.status === JobStatus.Completed, 10_000);
    });

    it('cancels a delayed job before it is due; its message, sent when due, runs nothing', async () => {
      const { id } = await create({ jobType: 'record', payload: {}, delaySeconds: 3600 });
      await fx.http().put(`/api/v1/jobs/${id}/cancel`).set(as('timing')).expect(200);
      await advanceTo(id, 0);
      await eventually(
        () => outboxRow(id),
        (row) => row.processed_at !== null,
      );
      expect(await get(id)).toMatchObject({ status: 'cancelled', startedAt: null });
      expect(await runs(id)).toBe(0);
    });

    it('re-queued by hand, a cancelled delayed job keeps its due time and an expired one runs', async () => {
      const retry = (id: string) =>
        fx.http().post(`/api/v1/jobs/${id}/retry`).set(as('timing')).expect(202);
      const delayed = await create({ jobType: 'record', payload: {}, delaySeconds: 3600 });
      await fx.http().put(`/api/v1/jobs/${delayed.id}/cancel`).set(as('timing')).expect(200);
      await retry(delayed.id);
      // the retry's own message waits for the job's due time, like the first one
      const rows = await fx.db.dataSource.query<{ due: boolean; unsent: boolean }[]>(
        `SELECT q.not_before = j.run_at AS due, q.sent_at IS NULL AS unsent
         FROM queue_messages q JOIN jobs j ON j.id = q.job_id WHERE q.job_id = $1`,
        [delayed.id],
      );
      expect(rows).toEqual([
        { due: true, unsent: true },
        { due: true, unsent: true },
      ]);
      await sleep(500);
      expect(await get(delayed.id)).toMatchObject({ status: 'pending', startedAt: null });

      const { id } = await create({
        jobType: 'record',
        payload: {},
        runAt: new Date(Date.now() + 3_600_000).toISOString(),
        expireAt: new Date(Date.now() + 7_200_000).toISOString(),
      });
      await fx.db.dataSource.query(
        `UPDATE jobs SET expire_at = now() - interval '1 second', run_at = now() - interval '2 seconds' WHERE id = $1`,
        [id],
      );
      await until(id, (j) => j.status === JobStatus.Cancelled, 10_000);
      await retry(id);
      const job = await until(id, (j) => j.status === JobStatus.Completed, 10_000);
      expect(job.expireAt).toBeNull();
    });

    it('fails an attempt that outlives its own timeoutSeconds, though its type allows 60 s', async () => {
      const { id } = await create({
        jobType: 'record',
        payload: { sleepMs: 10_000 },
        timeoutSeconds: 1,
        maxRetries: 0,
      });
      expect((await get(id)).timeoutSeconds).toBe(1);
      const job = await until(id, (j) => j.status === JobStatus.Failed, 15_000);
      expect(job.errorMessage).toContain('timed out after 1000 ms');
      expect(Date.parse(job.completedAt!) - Date.parse(job.startedAt!)).toBeLessThan(5000);
    });

    it('cancels, by the sweeper, a pending job whose expireAt passed before any message reached a worker', async () => {
      const at = (ms: number) => new Date(Date.now() + ms).toISOString();
      const { id } = await create({
        jobType: 'record',
        payload: {},
        runAt: at(3_600_000),
        expireAt: at(7_200_000),
      });
      expect((await get(id)).expireAt).not.toBeNull();
      // three hours pass, but its message is late (still held back)
      await fx.db.dataSource.query(
        `UPDATE jobs SET expire_at = now() - interval '1 second' WHERE id = $1`,
        [id],
      );
      const job = await until(id, (j) => j.status === JobStatus.Cancelled, 10_000);
      expect(job.errorMessage).toMatch(/^Expired: not started by its expireAt, \d{4}-/);
      expect(await outboxRow(id)).toMatchObject({ sent_at: null });
      expect(await runs(id)).toBe(0);
    });
  });

  describe('refusing bad timing', () => {
    beforeAll(async () => {
      fx = await createApiFixture({ types: [record] });
    });
    afterAll(() => fx.close());

    const ahead = (ms: number) => new Date(Date.now() + ms).toISOString();
    it.each([
      [
        'runAt and delaySeconds together',
        { runAt: ahead(60_000), delaySeconds: 5 },
        ['delaySeconds', 'runAt'],
      ],
      ['a negative delay', { delaySeconds: -1 }, ['delaySeconds']],
      ['a delay over a year', { delaySeconds: 31_536_001 }, ['delaySeconds']],
      ['a fractional delay', { delaySeconds: 1.5 }, ['delaySeconds']],
      ['a runAt that is no time', { runAt: 'tomorrow' }, ['runAt']],
      ['a runAt without a zone', { runAt: '2030-01-01T00:00:00' }, ['runAt']],
      ['a runAt over a year ahead', { runAt: ahead(366 * 86_400_000) }, ['runAt']],
      ['an expireAt in the past', { expireAt: ahead(-60_000) }, ['expireAt']],
      [
        'an expireAt before runAt',
        { runAt: ahead(3_600_000), expireAt: ahead(1_800_000) },
        ['expireAt'],
      ],
      [
        'an expireAt before now + delaySeconds',
        { delaySeconds: 600, expireAt: ahead(60_000) },
        ['expireAt'],
      ],
      ['a timeout of 0', { timeoutSeconds: 0 }, ['timeoutSeconds']],
    ])('refuses %s with 400 naming the field', async (_what, timing, fields) => {
      const res = await post({ jobType: 'record', payload: {}, ...timing }).expect(400);
      const { error } = body<ErrorBody>(res);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect([...new Set(error.details.map((d) => d.field))].sort()).toEqual(fields);
    });

    it('refuses a timeoutSeconds over its type’s limit, naming the field and the maximum', async () => {
      const res = await post({ jobType: 'record', payload: {}, timeoutSeconds: 61 }).expect(400);
      expect(body<ErrorBody>(res).error.details).toEqual([
        {
          field: 'timeoutSeconds',
          message: 'timeoutSeconds must not be greater than 60 (the limit of job type "record")',
        },
      ]);
      await post({ jobType: 'record', payload: {}, timeoutSeconds: 60 }, 'other').expect(202);
    });

    it('refuses a batch whose one job has bad timing, naming jobs.<i>, and creates none of it', async () => {
      const res = await fx
        .http()
        .post('/api/v1/jobs/batch')
        .set(as('timing'))
        .send({
          jobs: [
            { jobType: 'record', payload: {}, delaySeconds: 10 },
            { jobType: 'record', payload: {}, delaySeconds: 10, runAt: ahead(10_000) },
          ],
        })
        .expect(400);
      expect(
        body<ErrorBody>(res)
          .error.details.map((d) => d.field)
          .sort(),
      ).toEqual(['jobs.1.delaySeconds', 'jobs.1.runAt']);
      expect(await fx.count('jobs', `user_id = 'timing'`)).toBe(0);
    });

    it('delays every job of a valid batch', async () => {
      const res = await fx
        .http()
        .post('/api/v1/jobs/batch')
        .set(as('batcher'))
        .send({
          jobs: [
            { jobType: 'record', payload: {}, delaySeconds: 600 },
            { jobType: 'record', payload: {} },
          ],
        })
        .expect(202);
      const [delayed, now] = await Promise.all(
        body<{ data: Wire<JobAcceptedResponseDto>['data'][] }>(res).data.map((j) =>
          fx.http().get(`/api/v1/jobs/${j.id}`).set(as('batcher')).expect(200),
        ),
      ).then((all) => all.map((r) => body<Wire<JobDetailResponseDto>>(r).data));
      expect(Date.parse(delayed.runAt!) - Date.parse(delayed.createdAt)).toBe(600_000);
      expect(now.runAt).toBeNull();
      expect(await fx.count('queue_messages', 'not_before IS NOT NULL')).toBe(1);
    });
  });
});

describe('expiry at the claim', () => {
  let fx: ApiFixture;

  beforeAll(async () => {
    fx = await createApiFixture({ types: [record] });
  });
  afterAll(() => fx.close());

  it('cancels a job whose message reaches a worker after its expireAt, and never runs it', async () => {
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set(bearer(fx.token('late')))
      .send({ jobType: 'record', payload: {}, expireAt: new Date(Date.now() + 1000).toISOString() })
      .expect(202);
    const { id } = body<Wire<JobAcceptedResponseDto>>(res).data;
    await sleep(1500); // no worker yet: the message waits in SQS past the expiry
    // a sweep only every minute: the claim is what sees the expiry
    await fx.startWorker({ processor: { intervalMs: 60_000 } });
    const job = await fx.waitFor(id, (j) => j.status === JobStatus.Cancelled, 15_000);
    expect(job.errorMessage).toMatch(/^Expired: not started by its expireAt/);
    expect(job.startedAt).toBeNull();
    // its message was received and done with (the bookkeeping follows the claim)
    await eventually(
      async () =>
        (
          await fx.db.dataSource.query<{ processed_at: Date | null }[]>(
            `SELECT processed_at FROM queue_messages WHERE job_id = $1`,
            [id],
          )
        )[0].processed_at,
      (at) => at !== null,
    );
    const [{ n }] = await fx.db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM handler_runs WHERE job_id = $1`,
      [id],
    );
    expect(n).toBe(0);
  });
});
