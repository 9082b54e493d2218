import { JobStatus } from '@app/database';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
  ISO_DATE,
  sleep,
} from '../e2e/support/api-fixture';
import { record } from '../support/test-handlers';

/** FAIR_SHARE_MAX_RUNNING of this file's workers. */
const CAP = 10;
const BACKLOG = 20_000;
const BATCH = 500;
/** SQL: the job (of `jobs`) is held over its user's share. */
const HELD = `EXISTS (SELECT 1 FROM held_jobs h WHERE h.job_id = jobs.id AND h.released_at IS NULL)`;

interface Shares {
  defaultMaxRunning: number | null;
  users: { userId: string; maxRunning: number; updatedBy: string | null; updatedAt: string }[];
  types: { jobType: string; maxRunningPerUser: number }[];
  holding: { userId: string; held: number; running: number }[];
}

describe('fair shares: caps on each user’s running jobs', () => {
  let fx: ApiFixture;
  const admin = () => bearer(fx.token('ops', 'admin'));
  const as = (user: string) => bearer(fx.token(user));
  const post = async (user: string, jobs: object[]) =>
    body<{ data: { id: string }[] }>(
      await fx.http().post('/api/v1/jobs/batch').set(as(user)).send({ jobs }).expect(202),
    ).data.map((j) => j.id);
  const running = (user: string) =>
    fx.count('jobs', `user_id = $1 AND status = '${JobStatus.Processing}'`, [user]);
  /** Cancels what a test left unfinished, so the next starts with free workers. */
  const cancelAll = () =>
    fx.db.dataSource.query(
      `WITH c AS (UPDATE jobs SET status = 'cancelled', completed_at = now()
         WHERE status IN ('pending', 'failed') RETURNING id)
       DELETE FROM held_jobs h USING c WHERE h.job_id = c.id`,
    );

  beforeAll(async () => {
    fx = await createApiFixture({
      types: [record],
      // one receive before the DLQ: a message handed back to wait would be dead-lettered
      maxReceiveCount: 1,
      overrides: {
        shares: { maxRunningPerUser: CAP },
        http: { rateLimitMax: 100_000, maxUnfinishedJobs: 100_000 },
      },
    });
  });
  afterAll(async () => {
    await cancelAll();
    await fx.close();
  });

  it(`starts user B's job within 5 s behind user A's ${BACKLOG} (cap ${CAP}, two workers)`, async () => {
    // without the cap, alice's one-second jobs would fill all 40 slots for ~500 s and bob's
    // message would wait in SQS behind hers
    for (let i = 0; i < 2; i++) await fx.startWorker();
    for (let i = 0; i < BACKLOG; i += BATCH)
      await post(
        'alice',
        Array.from({ length: BATCH }, () => ({ jobType: 'record', payload: { sleepMs: 1000 } })),
      );
    const [bob] = await post('bob', [{ jobType: 'record', payload: {} }]);
    const job = await fx.waitFor(bob, (j) => j.status === JobStatus.Completed, 15_000);
    expect(job.startedAt!.getTime() - job.createdAt.getTime()).toBeLessThan(5000);

    // alice's backlog waits in PostgreSQL, held; SQS holds only the few messages of released jobs
    await eventually(
      () => fx.queue.getQueueStats(),
      (d) => d.queue.visible + d.queue.inFlight <= CAP * 2,
      30_000,
    );
    expect(await fx.count('jobs', `user_id = 'alice' AND ${HELD}`)).toBeGreaterThan(BACKLOG - 2000);
    const shares = body<{ data: Shares }>(
      await fx.http().get('/api/v1/admin/fair-shares').set(admin()).expect(200),
    ).data;
    expect(shares.defaultMaxRunning).toBe(CAP);
    expect(shares.holding[0]).toMatchObject({ userId: 'alice' });

    // alice still runs at her share: her completions release held jobs, which run in turn
    const completed = () =>
      fx.count('jobs', `user_id = 'alice' AND status = '${JobStatus.Completed}'`);
    const before = await completed();
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      await sleep(300);
      samples.push(await running('alice'));
    }
    expect(await completed()).toBeGreaterThanOrEqual(before + CAP);
    // the cap is soft by a claim's width: claims committing at the same instant (two workers ×
    // two receive loops) may each admit what their snapshot saw free
    expect(Math.max(...samples)).toBeLessThanOrEqual(CAP * 4);
    expect(samples.filter((n) => n >= CAP / 2).length).toBeGreaterThan(5);
    const depths = await fx.queue.getQueueStats();
    expect(depths.deadLetter).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    await cancelAll();
  }, 180_000);

  it("an admin's per-user override runs that user's jobs one at a time, and raising it starts the held ones", async () => {
    await fx
      .http()
      .put('/api/v1/admin/fair-shares/users/carol')
      .set(admin())
      .send({ maxRunning: 1 })
      .expect(200);
    const ids = await post(
      'carol',
      Array.from({ length: 4 }, () => ({ jobType: 'record', payload: { sleepMs: 400 } })),
    );
    await eventually(
      () => fx.count('jobs', `status = '${JobStatus.Completed}' AND id = ANY($1)`, [ids]),
      (n) => n === 4,
      20_000,
    );
    const runs = await fx.db.dataSource.query<{ started_at: Date; finished_at: Date }[]>(
      `SELECT started_at, finished_at FROM handler_runs WHERE job_id = ANY($1) ORDER BY started_at`,
      [ids],
    );
    expect(runs).toHaveLength(4);
    for (let i = 1; i < runs.length; i++)
      expect(runs[i].started_at.getTime()).toBeGreaterThanOrEqual(
        runs[i - 1].finished_at.getTime(),
      );

    // held behind a cap of 1, then the cap is raised: all start at once
    const more = await post(
      'carol',
      Array.from({ length: 5 }, () => ({ jobType: 'record', payload: { sleepMs: 3000 } })),
    );
    await eventually(
      () => fx.count('jobs', `${HELD} AND id = ANY($1)`, [more]),
      (n) => n === 4,
    );
    const raised = await fx
      .http()
      .put('/api/v1/admin/fair-shares/users/carol')
      .set(admin())
      .send({ maxRunning: 5 })
      .expect(200);
    expect(body<{ data: Shares['users'][number] }>(raised).data).toEqual({
      userId: 'carol',
      maxRunning: 5,
      updatedBy: 'ops',
      updatedAt: expect.stringMatching(ISO_DATE) as string,
    });
    await eventually(
      () => running('carol'),
      (n) => n === 5,
      5000,
    );
    await cancelAll();
  }, 60_000);

  it("a type's cap limits each user's running jobs of it", async () => {
    await fx
      .http()
      .put('/api/v1/admin/fair-shares/types/record')
      .set(admin())
      .send({ maxRunningPerUser: 2 })
      .expect(200);
    const ids = await post(
      'dave',
      Array.from({ length: 8 }, () => ({ jobType: 'record', payload: { sleepMs: 1500 } })),
    );
    await eventually(
      () => fx.count('jobs', `${HELD} AND id = ANY($1)`, [ids]),
      (n) => n === 6,
    );
    expect(await running('dave')).toBe(2);
    const listed = body<{ data: Shares }>(
      await fx.http().get('/api/v1/admin/fair-shares').set(admin()).expect(200),
    ).data;
    expect(listed.types).toEqual([{ jobType: 'record', maxRunningPerUser: 2 }]);
    expect(listed.holding).toEqual([{ userId: 'dave', held: 6, running: 2 }]);

    await fx.http().delete('/api/v1/admin/fair-shares/types/record').set(admin()).expect(204);
    await eventually(
      () => running('dave'),
      (n) => n === 8,
      5000,
    );
    await cancelAll();
  }, 60_000);

  it('refuses bad caps naming the field, users (403) and unknown types (404), changing nothing', async () => {
    const before = await fx.db.dataSource.query<unknown[]>(
      `SELECT * FROM user_limits ORDER BY user_id`,
    );
    for (const bad of [{}, { maxRunning: 0 }, { maxRunning: 1.5 }, { maxRunning: '3' }]) {
      const res = await fx
        .http()
        .put('/api/v1/admin/fair-shares/users/erin')
        .set(admin())
        .send(bad)
        .expect(400);
      expect(JSON.stringify(body<ErrorBody>(res).error.details)).toContain('maxRunning');
    }
    const long = await fx
      .http()
      .put(`/api/v1/admin/fair-shares/users/${'x'.repeat(256)}`)
      .set(admin())
      .send({ maxRunning: 1 })
      .expect(400);
    expect(JSON.stringify(body<ErrorBody>(long).error.details)).toContain('userId');
    const refused = await fx
      .http()
      .put('/api/v1/admin/fair-shares/users/erin')
      .set(as('erin'))
      .send({ maxRunning: 100 });
    expect(refused.status).toBe(403);
    await fx.http().get('/api/v1/admin/fair-shares').set(as('erin')).expect(403);
    const unknown = await fx
      .http()
      .put('/api/v1/admin/fair-shares/types/no-such-type')
      .set(admin())
      .send({ maxRunningPerUser: 1 });
    expect(unknown.status).toBe(404);
    expect(body<ErrorBody>(unknown).error.code).toBe('JOB_TYPE_NOT_FOUND');
    expect(
      await fx.db.dataSource.query<unknown[]>(`SELECT * FROM user_limits ORDER BY user_id`),
    ).toEqual(before);
    // dropping an override that does not exist is fine (idempotent)
    await fx.http().delete('/api/v1/admin/fair-shares/users/nobody').set(admin()).expect(204);
  });
});
