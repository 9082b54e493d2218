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

interface TypeState {
  name: string;
  paused: boolean;
  pausedAt: string | null;
  pausedBy: string | null;
  announced?: number;
}

/** Longer than maxReceiveCount (1) × the fixture's visibility timeout (10 s). */
const PAST_REDRIVE_MS = 11_000;

describe('pause and resume a job type', () => {
  let fx: ApiFixture;
  const admin = () => bearer(fx.token('ops', 'admin'));
  const user = () => bearer(fx.token('alice'));
  const runs = async () =>
    (
      await fx.db.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM handler_runs`)
    )[0].n;
  const create = async (n: number) =>
    body<{ data: { id: string }[] }>(
      await fx
        .http()
        .post('/api/v1/jobs/batch')
        .set(user())
        .send({ jobs: Array.from({ length: n }, () => ({ jobType: 'record', payload: {} })) })
        .expect(202),
    ).data.map((j) => j.id);
  const depths = () => fx.queue.getQueueStats();
  const nothingInSqs = { visible: 0, inFlight: 0, delayed: 0 };

  beforeAll(async () => {
    // one receive before the DLQ: a message handed back to wait would be dead-lettered by the next
    // receive after the visibility timeout; a short resend limit: the sweep would resend parked jobs
    fx = await createApiFixture({
      types: [record],
      maxReceiveCount: 1,
      overrides: { worker: { resendAfterMs: 1000 } },
    });
  });
  afterAll(() => fx.close());

  it('starts nothing of a paused type, spends no receive count, and runs everything at once after resume', async () => {
    // messages already in SQS when the type is paused
    const early = await create(10);
    await eventually(
      () => fx.count('queue_messages', 'sent_at IS NULL'),
      (n) => n === 0,
    );
    const paused = await fx.http().put('/api/v1/job-types/record/pause').set(admin()).expect(200);
    expect(body<{ data: TypeState }>(paused).data).toEqual({
      name: 'record',
      paused: true,
      pausedAt: expect.stringMatching(ISO_DATE) as string,
      pausedBy: 'ops',
    });
    await fx.startWorker();
    // and jobs created while it is paused
    const late = await create(20);
    const all = [...early, ...late];

    // every message was received and deleted: the jobs wait in PostgreSQL, none in SQS
    await eventually(
      () => fx.count('queue_messages', 'deleted_at IS NULL'),
      (n) => n === 0,
    );
    await sleep(PAST_REDRIVE_MS);
    expect(await runs()).toBe(0);
    expect(await fx.count('jobs', `status = '${JobStatus.Pending}'`)).toBe(30);
    expect(await depths()).toEqual({ queue: nothingInSqs, deadLetter: nothingInSqs });
    // the resend sweep (resendAfterMs 1 s) left the parked jobs alone
    expect(await fx.count('queue_messages')).toBe(30);

    const listed = body<{ data: TypeState[] }>(
      await fx.http().get('/api/v1/job-types').set(user()).expect(200),
    ).data;
    expect(listed.find((t) => t.name === 'record')).toMatchObject({
      paused: true,
      pausedBy: 'ops',
    });
    expect(listed.find((t) => t.name === 'echo')).toMatchObject({ paused: false, pausedAt: null });
    const overview = await fx.http().get('/api/v1/jobs/stats/overview').set(admin()).expect(200);
    expect(body<{ data: { pausedTypes: unknown[] } }>(overview).data.pausedTypes).toEqual([
      { jobType: 'record', pausedAt: expect.stringMatching(ISO_DATE) as string, pausedBy: 'ops' },
    ]);

    const started = Date.now();
    const resumed = await fx.http().put('/api/v1/job-types/record/resume').set(admin()).expect(200);
    expect(body<{ data: TypeState }>(resumed).data).toEqual({
      name: 'record',
      paused: false,
      pausedAt: null,
      pausedBy: null,
      announced: 30,
    });
    await eventually(
      () => fx.count('jobs', `status = '${JobStatus.Completed}' AND id = ANY($1)`, [all]),
      (n) => n === 30,
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await runs()).toBe(30);
    const after = await depths();
    expect(after.deadLetter).toEqual(nothingInSqs);
  });

  it('pausing twice keeps who paused it first; resuming a running type announces nothing', async () => {
    await fx.http().put('/api/v1/job-types/echo/pause').set(admin()).expect(200);
    const again = await fx
      .http()
      .put('/api/v1/job-types/echo/pause')
      .set(bearer(fx.token('other-admin', 'admin')))
      .expect(200);
    expect(body<{ data: TypeState }>(again).data.pausedBy).toBe('ops');
    await fx.http().put('/api/v1/job-types/echo/resume').set(admin()).expect(200);
    const idle = await fx.http().put('/api/v1/job-types/echo/resume').set(admin()).expect(200);
    expect(body<{ data: TypeState }>(idle).data).toMatchObject({ paused: false, announced: 0 });
  });

  it('refuses a user (403) and names an unknown type (404)', async () => {
    const before = await fx.db.dataSource.query<unknown[]>(`SELECT * FROM job_type_states`);
    const refused = await fx.http().put('/api/v1/job-types/record/pause').set(user());
    expect(refused.status).toBe(403);
    expect(body<ErrorBody>(refused).error.code).toBe('FORBIDDEN');
    const unknown = await fx.http().put('/api/v1/job-types/no-such-type/pause').set(admin());
    expect(unknown.status).toBe(404);
    expect(body<ErrorBody>(unknown).error).toEqual({
      code: 'JOB_TYPE_NOT_FOUND',
      message: 'Job type "no-such-type" does not exist',
      details: [{ field: 'type', message: 'Job type "no-such-type" does not exist' }],
    });
    expect((await fx.http().put('/api/v1/job-types/no-such-type/resume').set(admin())).status).toBe(
      404,
    );
    expect(await fx.db.dataSource.query(`SELECT * FROM job_type_states`)).toEqual(before);
  });
});
