import { JobsBatchService } from '@app/jobs';
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

const BACKLOG = 5000;
/** Each ordinary job works this long: 5,000 of them on 4 slots last about 20 minutes. */
const ORDINARY_MS = 1000;
const CONCURRENCY = 4;

/** The fields a 400 names (each once: one field may break several rules). */
const fields = (res: { body: unknown }) => [
  ...new Set(body<ErrorBody>(res).error.details.map((d) => d.field)),
];

describe('job priorities (the priority lane)', () => {
  let fx: ApiFixture;
  const user = () => bearer(fx.token('alice'));
  const post = (job: Record<string, unknown>) =>
    fx.http().post('/api/v1/jobs').set(user()).send(job);

  beforeAll(async () => {
    fx = await createApiFixture({
      types: [record],
      priorityLane: true,
      // no resend of the backlog's messages while it waits in SQS: they are not lost
      overrides: { worker: { concurrency: CONCURRENCY, resendAfterMs: 3_600_000 } },
    });
  });
  afterAll(() => fx.close());

  it('refuses a priority outside 0-9 or not an integer with 400 naming the field, and writes nothing', async () => {
    for (const priority of [-1, 10, 1.5, '5']) {
      const res = await post({ jobType: 'record', payload: {}, priority });
      expect(res.status).toBe(400);
      expect(fields(res)).toEqual(['priority']);
    }
    const batch = await fx
      .http()
      .post('/api/v1/jobs/batch')
      .set(user())
      .send({
        jobs: [
          { jobType: 'record', payload: {} },
          { jobType: 'record', payload: {}, priority: 12 },
        ],
      });
    expect(batch.status).toBe(400);
    expect(fields(batch)).toEqual(['jobs.1.priority']);
    const listed = await fx.http().get('/api/v1/jobs?priority=10').set(user());
    expect(listed.status).toBe(400);
    expect(fields(listed)).toEqual(['priority']);
    expect(await fx.count('jobs')).toBe(0);
  });

  it('starts a priority job posted behind 5,000 ordinary ones within 5 s, while the backlog waits', async () => {
    const lane = fx.config.queue.priorityQueueUrl!;
    const ordinary = { jobType: 'record', payload: { sleepMs: ORDINARY_MS } };
    for (let i = 0; i < BACKLOG / 500; i++)
      await fx
        .http()
        .post('/api/v1/jobs/batch')
        .set(user())
        .send({ jobs: Array.from({ length: 500 }, () => ordinary) })
        .expect(202);
    await fx.startWorker();
    // the backlog is in SQS (every message sent) and the worker's slots are busy with it
    await eventually(
      () => fx.count('queue_messages', 'sent_at IS NULL'),
      (n) => n === 0,
      60_000,
    );
    await eventually(
      () => fx.count('jobs', `status = '${JobStatus.Processing}'`),
      (n) => n >= CONCURRENCY,
      30_000,
    );

    // past the lane loop's first long poll (1 s here): its next one starts with the buffer full
    await sleep(2500);
    const created = await post({ jobType: 'record', payload: { lane: 'a' }, priority: 9 }).expect(
      202,
    );
    const id = body<{ data: { id: string } }>(created).data.id;
    await fx.waitFor(id, (j) => j.status === JobStatus.Completed, 30_000);

    const [timing] = await fx.db.dataSource.query<
      { claimed_after: number; ran_after: number; waiting: number }[]
    >(
      `SELECT extract(epoch FROM j.started_at - j.created_at)::float AS claimed_after,
              extract(epoch FROM r.started_at - j.created_at)::float AS ran_after,
              (SELECT count(*)::int FROM jobs o WHERE o.priority = 0 AND o.status = 'pending'
                 AND o.created_at < j.created_at) AS waiting
       FROM jobs j JOIN handler_runs r ON r.job_id = j.id WHERE j.id = $1`,
      [id],
    );
    // started within 5 s of its creation (database clock): claimed, and its handler really running
    expect(timing.claimed_after).toBeLessThan(5);
    expect(timing.ran_after).toBeLessThan(5);
    // most of the backlog still waits (a few dozen ran meanwhile at most)
    expect(timing.waiting).toBeGreaterThan(BACKLOG * 0.9);
    // announced on the lane; the ordinary jobs on the work queue
    const queues = await fx.db.dataSource.query<
      { queue_url: string; priority: number; n: number }[]
    >(
      `SELECT q.queue_url, j.priority, count(*)::int AS n FROM queue_messages q JOIN jobs j ON j.id = q.job_id
       GROUP BY 1, 2 ORDER BY 2`,
    );
    expect(queues).toEqual([
      { queue_url: fx.config.queue.queueUrl, priority: 0, n: BACKLOG },
      { queue_url: lane, priority: 9, n: 1 },
    ]);
    // the lane is listed beside the work queue, and its message is gone (claimed, then deleted)
    await eventually(
      () => fx.queue.getQueueStats(),
      (stats) => stats.priorityLane?.visible === 0 && stats.priorityLane.inFlight === 0,
    );
    const shown = await fx.http().get(`/api/v1/jobs/${id}`).set(user()).expect(200);
    expect(body<{ data: { priority: number } }>(shown).data.priority).toBe(9);
    const filtered = await fx.http().get('/api/v1/jobs?priority=9').set(user()).expect(200);
    expect(body<{ data: { id: string }[] }>(filtered).data.map((j) => j.id)).toEqual([id]);

    // clean up: the backlog is cancelled (pending ones at once, running ones by their worker)
    const backlog = await fx.db.dataSource.query<{ id: string }[]>(
      `SELECT id FROM jobs WHERE priority = 0 AND status IN ('pending', 'processing')`,
    );
    await fx.api.get(JobsBatchService).cancelMany(backlog.map((r) => r.id));
    await eventually(
      () => fx.count('jobs', `status IN ('pending', 'processing')`),
      (n) => n === 0,
      30_000,
    );
  });
});
