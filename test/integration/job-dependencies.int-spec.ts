import { JobStatus } from '@app/database';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
  sleep,
} from '../e2e/support/api-fixture';
import { record } from '../support/test-handlers';

interface Item {
  jobType?: string;
  payload?: Record<string, unknown>;
  ref?: string;
  dependsOn?: string[];
  runAt?: string;
  expireAt?: string;
}

interface Detail {
  id: string;
  status: JobStatus;
  startedAt: string | null;
  completedAt: string | null;
  errorMessage: string | null;
  dependsOn: { id: string; status: JobStatus }[];
  dependenciesLeft: number;
  dependents: { id: string; status: JobStatus }[];
}

const HOUR_AHEAD = () => new Date(Date.now() + 3_600_000).toISOString();

describe('job dependencies (dependsOn)', () => {
  let fx: ApiFixture;
  const as = (sub: string, roles: string[] = []) => bearer(fx.token(sub, roles));
  const batch = (jobs: Item[], sub = 'alice') =>
    fx
      .http()
      .post('/api/v1/jobs/batch')
      .set(as(sub))
      .send({ jobs: jobs.map((j) => ({ jobType: 'record', payload: {}, ...j })) });
  const create = (job: Item, sub = 'alice', roles: string[] = []) =>
    fx
      .http()
      .post('/api/v1/jobs')
      .set(as(sub, roles))
      .send({ jobType: 'record', payload: {}, ...job });
  const ids = (res: { body: unknown }) => body<{ data: { id: string }[] }>(res).data.map((j) => j.id);
  const detail = async (id: string, sub = 'alice', roles: string[] = []) =>
    body<{ data: Detail }>(
      await fx.http().get(`/api/v1/jobs/${id}`).set(as(sub, roles)).expect(200),
    ).data;
  const settled = (id: string) =>
    eventually(
      () => detail(id),
      (j) => [JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled].includes(j.status),
      20_000,
    );
  const runsOf = async (jobIds: string[]) =>
    (
      await fx.db.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM handler_runs WHERE job_id = ANY($1)`,
        [jobIds],
      )
    )[0].n;
  const messagesOf = (jobIds: string[]) => fx.count('queue_messages', 'job_id = ANY($1)', [jobIds]);

  beforeAll(async () => {
    // a short resend limit: a sweep that resent waiting jobs would do it within the tests
    fx = await createApiFixture({ types: [record], overrides: { worker: { resendAfterMs: 1000 } } });
    await fx.startWorker();
  });
  afterAll(() => fx.close());

  it('runs a three-level DAG submitted in one batch in dependency order, each job once', async () => {
    const res = await batch([
      { ref: 'leaf', dependsOn: ['left', 'right'] },
      { ref: 'root', payload: { sleepMs: 300 } },
      { ref: 'left', dependsOn: ['root'], payload: { sleepMs: 100 } },
      { ref: 'right', dependsOn: ['root'] },
    ]).expect(202);
    const [leaf, root, left, right] = ids(res);
    // the waiting jobs have no queue message: nothing in SQS, no receive count spent
    expect(await messagesOf([leaf, left, right])).toBe(0);
    expect(await messagesOf([root])).toBe(1);
    expect(await detail(leaf)).toMatchObject({ status: JobStatus.Pending, dependenciesLeft: 2 });

    const jobs = Object.fromEntries(
      await Promise.all(
        Object.entries({ leaf, root, left, right }).map(async ([k, id]) => [k, await settled(id)]),
      ),
    ) as Record<'leaf' | 'root' | 'left' | 'right', Detail>;
    for (const j of Object.values(jobs)) expect(j.status).toBe(JobStatus.Completed);
    const t = (s: string | null) => new Date(s!).getTime();
    expect(t(jobs.left.startedAt)).toBeGreaterThanOrEqual(t(jobs.root.completedAt));
    expect(t(jobs.right.startedAt)).toBeGreaterThanOrEqual(t(jobs.root.completedAt));
    expect(t(jobs.leaf.startedAt)).toBeGreaterThanOrEqual(t(jobs.left.completedAt));
    expect(t(jobs.leaf.startedAt)).toBeGreaterThanOrEqual(t(jobs.right.completedAt));
    expect(await runsOf([leaf, root, left, right])).toBe(4);

    // the detail shows both directions, with statuses
    expect(await detail(left)).toMatchObject({
      dependsOn: [{ id: root, status: JobStatus.Completed }],
      dependenciesLeft: 0,
      dependents: [{ id: leaf, status: JobStatus.Completed }],
    });
    expect(jobs.root.dependsOn).toEqual([]);
    expect(jobs.root.dependents.map((d) => d.id).sort()).toEqual([left, right].sort());
    expect(jobs.leaf.dependsOn.map((d) => d.id).sort()).toEqual([left, right].sort());
    const dlq = await fx.queue.getQueueStats();
    expect(dlq.deadLetter).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('starts a job waiting for 50 jobs completed concurrently by two workers once, after the last', async () => {
    await fx.startWorker();
    const res = await batch([
      ...Array.from({ length: 50 }, (_, i) => ({ ref: `r${i}` })),
      { dependsOn: Array.from({ length: 50 }, (_, i) => `r${i}`) },
    ]).expect(202);
    const all = ids(res);
    const fanIn = all[50];
    const done = await settled(fanIn);
    expect(done.status).toBe(JobStatus.Completed);
    const [{ last }] = await fx.db.dataSource.query<{ last: Date }[]>(
      `SELECT max(completed_at) AS last FROM jobs WHERE id = ANY($1)`,
      [all.slice(0, 50)],
    );
    expect(new Date(done.startedAt!).getTime()).toBeGreaterThanOrEqual(last.getTime());
    expect(await runsOf([fanIn])).toBe(1);
    expect(await messagesOf([fanIn])).toBe(1);
  });

  it('runs every job submitted while its dependency completes, whichever commits first', async () => {
    const [root] = ids(await batch([{ payload: { sleepMs: 400 } }]).expect(202));
    const started = Date.now();
    const posts: Promise<string>[] = [];
    // submissions every 20 ms from before the root completes to after
    while (Date.now() - started < 1200) {
      posts.push(
        create({ dependsOn: [root] })
          .expect(202)
          .then((r) => body<{ data: { id: string } }>(r).data.id),
      );
      await sleep(20);
    }
    const dependents = await Promise.all(posts);
    const rootDone = new Date((await settled(root)).completedAt!).getTime();
    for (const id of dependents) {
      const d = await settled(id);
      expect(d.status).toBe(JobStatus.Completed);
      expect(new Date(d.startedAt!).getTime()).toBeGreaterThanOrEqual(rootDone);
    }
    expect(await runsOf(dependents)).toBe(dependents.length);
  });

  it('cancels the dependents and grandchildren of a root that failed for good, naming it', async () => {
    const [root, child, grandchild, other] = ids(
      await batch([
        { ref: 'root', payload: { failAttempts: 1, permanent: true } },
        { ref: 'child', dependsOn: ['root'] },
        { dependsOn: ['child'] },
        { ref: 'independent' },
      ]).expect(202),
    );
    expect((await settled(root)).status).toBe(JobStatus.Failed);
    const c = await settled(child);
    const g = await settled(grandchild);
    expect(c.status).toBe(JobStatus.Cancelled);
    expect(c.errorMessage).toBe(`Cancelled: its dependency ${root} failed for good`);
    expect(g.status).toBe(JobStatus.Cancelled);
    expect(g.errorMessage).toContain(`its dependency ${root} failed for good`);
    expect(g.errorMessage).toContain(child);
    expect((await settled(other)).status).toBe(JobStatus.Completed);
    expect(await runsOf([child, grandchild])).toBe(0);
  });

  it('refuses a cycle or an unknown ref with 400 naming the item and field, and writes nothing', async () => {
    const before = await fx.count('jobs');
    const cycle = await batch([
      { ref: 'ok' },
      { ref: 'a', dependsOn: ['b'] },
      { ref: 'b', dependsOn: ['a', 'ok'] },
    ]).expect(400);
    expect(body<ErrorBody>(cycle).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'jobs.1.dependsOn', message: expect.stringContaining('a → b → a') as string }],
    });
    const unknown = await batch([{ ref: 'a' }, { dependsOn: ['a', 'nobody'] }]).expect(400);
    expect(body<ErrorBody>(unknown).error.details).toEqual([
      { field: 'jobs.1.dependsOn', message: expect.stringContaining('"nobody"') as string },
    ]);
    const self = await batch([{ ref: 'me', dependsOn: ['me'] }]).expect(400);
    expect(body<ErrorBody>(self).error.details[0].field).toBe('jobs.0.dependsOn');
    const twice = await batch([{ ref: 'x' }, { ref: 'x' }]).expect(400);
    expect(body<ErrorBody>(twice).error.details[0].field).toBe('jobs.1.ref');
    expect(await fx.count('jobs')).toBe(before);
  });

  it("refuses another user's or an unknown job id with 404 naming the field; an admin may name anyone's", async () => {
    const [bobs] = ids(await batch([{ runAt: HOUR_AHEAD() }], 'bob').expect(202));
    const before = await fx.count('jobs');
    const other = await create({ dependsOn: [bobs] }).expect(404);
    expect(body<ErrorBody>(other).error).toMatchObject({
      code: 'JOB_DEPENDENCY_NOT_FOUND',
      details: [{ field: 'dependsOn' }],
    });
    const missing = await batch([
      { ref: 'a' },
      { dependsOn: ['a', '00000000-0000-4000-8000-000000000000'] },
    ]).expect(404);
    expect(body<ErrorBody>(missing).error).toMatchObject({
      code: 'JOB_DEPENDENCY_NOT_FOUND',
      details: [{ field: 'jobs.1.dependsOn' }],
    });
    const notAnId = await create({ dependsOn: ['x'] }).expect(400);
    expect(body<ErrorBody>(notAnId).error.details[0].field).toBe('dependsOn');
    const tooMany = await create({
      dependsOn: Array.from({ length: 101 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
    }).expect(400);
    expect(body<ErrorBody>(tooMany).error.details[0].field).toBe('dependsOn');
    expect(await fx.count('jobs')).toBe(before);

    const byAdmin = await create({ dependsOn: [bobs] }, 'ops', ['admin']).expect(202);
    const waiting = body<{ data: { id: string } }>(byAdmin).data.id;
    expect(await detail(waiting, 'ops', ['admin'])).toMatchObject({
      status: JobStatus.Pending,
      dependsOn: [{ id: bobs, status: JobStatus.Pending }],
      dependenciesLeft: 1,
    });
    // bob sees his job's dependent only when it is his: the admin's job is not listed to him
    expect((await detail(bobs, 'bob')).dependents).toEqual([]);
    await fx.http().put(`/api/v1/jobs/${bobs}/cancel`).set(as('bob')).expect(200);
    expect((await detail(waiting, 'ops')).status).toBe(JobStatus.Cancelled);
  });

  it('counts a completed dependency as done and refuses one that failed for good with 409', async () => {
    const [done, dead] = ids(
      await batch([{}, { payload: { failAttempts: 1, permanent: true } }]).expect(202),
    );
    expect((await settled(done)).status).toBe(JobStatus.Completed);
    expect((await settled(dead)).status).toBe(JobStatus.Failed);
    const refused = await create({ dependsOn: [dead] }).expect(409);
    expect(body<ErrorBody>(refused).error).toMatchObject({
      code: 'JOB_DEPENDENCY_ENDED',
      details: [{ field: 'dependsOn', message: expect.stringContaining(dead) as string }],
    });
    const after = body<{ data: { id: string } }>(
      await create({ dependsOn: [done] }).expect(202),
    ).data.id;
    expect((await settled(after)).status).toBe(JobStatus.Completed);
    expect((await detail(after)).dependsOn).toEqual([{ id: done, status: JobStatus.Completed }]);
  });

  it('leaves a waiting job unsent by the resend sweep and resume; cancels it by hand, on expiry, or with its dependency', async () => {
    const [root, waiting, cancelled, expiring] = ids(
      await batch([
        { ref: 'root', runAt: HOUR_AHEAD() },
        { dependsOn: ['root'] },
        { dependsOn: ['root'] },
        { dependsOn: ['root'], expireAt: new Date(Date.now() + 2500).toISOString() },
      ]).expect(202),
    );
    await fx.http().put('/api/v1/job-types/record/pause').set(as('ops', ['admin'])).expect(200);
    await fx.http().put('/api/v1/job-types/record/resume').set(as('ops', ['admin'])).expect(200);
    // past resendAfterMs (1 s) and many sweeps (every 200 ms)
    await sleep(3000);
    expect(await messagesOf([waiting, cancelled, expiring])).toBe(0);
    expect(await detail(waiting)).toMatchObject({ status: JobStatus.Pending, dependenciesLeft: 1 });

    const e = await settled(expiring);
    expect(e).toMatchObject({ status: JobStatus.Cancelled });
    expect(e.errorMessage).toMatch(/^Expired/);
    await fx.http().put(`/api/v1/jobs/${cancelled}/cancel`).set(as('alice')).expect(200);
    expect((await detail(cancelled)).status).toBe(JobStatus.Cancelled);

    await fx.http().put(`/api/v1/jobs/${root}/cancel`).set(as('alice')).expect(200);
    const w = await detail(waiting);
    expect(w.status).toBe(JobStatus.Cancelled);
    expect(w.errorMessage).toBe(`Cancelled: its dependency ${root} was cancelled`);
    expect(await runsOf([root, waiting, cancelled, expiring])).toBe(0);
  });

  it('a delayed job with dependencies starts at the later of both', async () => {
    const runAt = new Date(Date.now() + 2500).toISOString();
    const [root, delayed] = ids(
      await batch([{ ref: 'root' }, { dependsOn: ['root'], runAt }]).expect(202),
    );
    expect((await settled(root)).status).toBe(JobStatus.Completed);
    const d = await settled(delayed);
    expect(d.status).toBe(JobStatus.Completed);
    expect(new Date(d.startedAt!).getTime()).toBeGreaterThanOrEqual(new Date(runAt).getTime());
  });

  it('the settle pass announces a waiting job whose completed dependency was not counted (a raced submission)', async () => {
    const [root, waiting] = ids(
      await batch([{ ref: 'root', runAt: HOUR_AHEAD() }, { dependsOn: ['root'] }]).expect(202),
    );
    // what a completion that began before the submission committed leaves behind: the
    // dependency completed, the edge not counted
    await fx.db.dataSource.query(
      `UPDATE jobs SET status = 'completed', completed_at = now(), results = '{}' WHERE id = $1`,
      [root],
    );
    const w = await settled(waiting);
    expect(w.status).toBe(JobStatus.Completed);
    expect(await runsOf([waiting])).toBe(1);
  });
});
