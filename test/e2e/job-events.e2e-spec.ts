import { JobStatus } from '@app/database';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApiApp } from '../../apps/api/src/create-api-app';
import type { JobAcceptedResponseDto } from '../../apps/api/src/jobs/dto/job-accepted.response.dto';
import { type SseEvent, SseClient } from '../support/sse-client';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  eventually,
  type Wire,
} from './support/api-fixture';

const statuses = (events: SseEvent[]) => events.filter((e) => e.event === 'status');
const statusNames = (events: SseEvent[]) => statuses(events).map((e) => e.data.status);
const finished = (events: SseEvent[]) => statusNames(events).includes('completed');
const LIFE = ['pending', 'processing', 'completed'];
/** A job's life from the status a stream first showed (a running worker may have claimed it already). */
const lifeFrom = (first: unknown) => LIFE.slice(LIFE.indexOf(first as string));

/**
 * Live job events (GET /api/v1/jobs/events and /jobs/:id/events) from two api instances on one
 * database, with a real worker: every transition in order, resumption with Last-Event-ID on the
 * other instance, isolation, stream tokens, and a lost LISTEN connection.
 */
describe('job events: Server-Sent Events', () => {
  let fx: ApiFixture;
  let second: NestFastifyApplication;
  let urlA: string;
  let urlB: string;
  const open: SseClient[] = [];
  const as = (sub: string, roles: string[] = []) => bearer(fx.token(sub, roles));

  const create = async (sub: string, payload: object = { message: 'hi' }) =>
    body<Wire<JobAcceptedResponseDto>>(
      await fx
        .http()
        .post('/api/v1/jobs')
        .set(as(sub))
        .send({ jobType: 'echo', payload })
        .expect(202),
    ).data.id;

  let worker: Promise<unknown> | undefined;
  /** The worker starts in the test that watches a job before it runs; later tests share it. */
  const startWorker = () => (worker ??= fx.startWorker());

  const stream = async (url: string, headers: Record<string, string>) => {
    const client = await SseClient.open(url, headers);
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    fx = await createApiFixture();
    second = await createApiApp(fx.config);
    await second.listen(0, '127.0.0.1');
    urlA = await fx.app.getUrl();
    urlB = await second.getUrl();
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  afterAll(async () => {
    await second.close();
    await fx.close();
  });

  it('records nothing while no instance streams events', async () => {
    await create('quiet');
    const count = async (table: string) =>
      (await fx.db.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table}`))[0]
        .n;
    expect(await count('job_events')).toBe(0);
    expect(await count('event_listeners')).toBe(0);
  });

  it('streams every transition of a job in order, to both instances, with progress, logs and the result', async () => {
    const id = await create('owner', { message: 'watched', delayMs: 600 });
    const a = await stream(`${urlA}/api/v1/jobs/${id}/events`, as('owner'));
    const b = await stream(`${urlB}/api/v1/jobs/${id}/events`, as('owner'));
    expect([a.status, b.status]).toEqual([200, 200]);
    await startWorker();
    for (const client of [a, b]) {
      await client.until(finished);
      // the snapshot says pending; the transitions follow, each once, in order
      expect(statusNames(client.events)).toEqual(['pending', 'processing', 'completed']);
      const [snapshot, processing, completed] = statuses(client.events);
      expect(snapshot.data).toMatchObject({
        jobId: id,
        userId: 'owner',
        type: 'echo',
        eventId: null,
      });
      expect(processing.data).toMatchObject({ attempt: 1 });
      expect(typeof processing.data.eventId).toBe('string');
      expect(completed.data).toMatchObject({ progress: 100, result: { echoed: 'watched' } });
      const progress = client.named('progress').map((e) => e.data.progress as number);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress).toEqual([...progress].sort((x, y) => x - y));
      expect(client.named('log').map((e) => e.data.message)).toContain('echo: watched');
      // every event but the snapshot carries an id, and ids only move forward
      const ids = client.events.filter((e) => e.id !== undefined).map((e) => e.id!.split('.')[0]);
      expect(ids.map(BigInt)).toEqual(
        [...ids.map(BigInt)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
      );
    }
    // both instances saw the same recorded events
    const eventIds = (c: SseClient) => statuses(c.events).map((e) => e.data.eventId);
    expect(eventIds(a)).toEqual(eventIds(b));
  });

  it('resumes on the other instance from Last-Event-ID without a gap', async () => {
    await startWorker();
    const id = await create('owner', { message: 'resumed', delayMs: 1500 });
    const a = await stream(`${urlA}/api/v1/jobs/${id}/events`, as('owner'));
    await a.until((events) => statusNames(events).includes('processing'));
    const lastEventId = a.lastEventId!;
    a.close();
    await eventually(
      () => fx.jobs.getById(id),
      (job) => job.status === JobStatus.Completed,
    );
    const b = await stream(`${urlB}/api/v1/jobs/${id}/events`, {
      ...as('owner'),
      'Last-Event-ID': lastEventId,
    });
    await b.until(finished);
    expect(b.named('reset')).toEqual([]);
    // what B replays starts after what A saw: together, each transition once
    const seen = [...statuses(a.events), ...statuses(b.events)].map((e) => e.data.status);
    expect(seen).toEqual(lifeFrom(seen[0]));
    expect(b.named('log').map((e) => e.data.message)).toContain('echo: resumed');
  });

  it("a user's stream carries that user's jobs only; an admin's carries everyone's", async () => {
    await startWorker();
    const mine = await stream(`${urlA}/api/v1/jobs/events`, as('alice'));
    const admin = await stream(`${urlB}/api/v1/jobs/events`, as('root', ['admin']));
    const bobs = await stream(`${urlA}/api/v1/jobs/events?userId=bob`, as('viewer', ['viewer']));
    await Promise.all(
      [mine, admin, bobs].map((c) => c.until((e) => e.some((x) => x.event === 'ready'))),
    );
    const alices = await create('alice');
    const bobsJob = await create('bob');
    const done = (ids: string[]) => (events: SseEvent[]) =>
      ids.every((id) =>
        statuses(events).some((e) => e.data.jobId === id && e.data.status === 'completed'),
      );
    await admin.until(done([alices, bobsJob]));
    await mine.until(done([alices]));
    await bobs.until(done([bobsJob]));
    expect(new Set(statuses(mine.events).map((e) => e.data.userId))).toEqual(new Set(['alice']));
    expect(new Set(statuses(bobs.events).map((e) => e.data.userId))).toEqual(new Set(['bob']));
    // a user's stream has no log lines of any job
    expect(mine.named('log')).toEqual([]);
  });

  it('refuses what the caller may not see, and bad input, before streaming', async () => {
    const id = await create('owner');
    expect((await stream(`${urlA}/api/v1/jobs/${id}/events`, as('intruder'))).status).toBe(404);
    expect((await stream(`${urlA}/api/v1/jobs/${id}/events`, {})).status).toBe(401);
    expect((await stream(`${urlA}/api/v1/jobs/events?userId=owner`, as('intruder'))).status).toBe(
      403,
    );
    const bad = await fetch(`${urlA}/api/v1/jobs/${id}/events`, {
      headers: { ...as('owner'), 'Last-Event-ID': 'not-ours' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('Last-Event-ID');
  });

  it('accepts a stream token as ?access_token= on event streams only', async () => {
    const id = await create('owner');
    const minted = body<{ data: { token: string; expiresAt: string } }>(
      await fx.http().get('/api/v1/jobs/events/token').set(as('owner')).expect(200),
    ).data;
    expect(new Date(minted.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(300_000);
    const viaToken = await stream(
      `${urlA}/api/v1/jobs/${id}/events?access_token=${minted.token}`,
      {},
    );
    expect(viaToken.status).toBe(200);
    await viaToken.until((e) => statuses(e).length > 0);
    // not a bearer token, and not accepted by any other route
    await fx.http().get(`/api/v1/jobs/${id}`).set(bearer(minted.token)).expect(401);
    await fx.http().get(`/api/v1/jobs/${id}?access_token=${minted.token}`).expect(401);
    // another user's job stays hidden with the owner's token; a forged one opens nothing
    const other = await create('someone-else');
    expect(
      (await stream(`${urlA}/api/v1/jobs/${other}/events?access_token=${minted.token}`, {})).status,
    ).toBe(404);
    expect(
      (await stream(`${urlA}/api/v1/jobs/${id}/events?access_token=${fx.token('owner')}`, {}))
        .status,
    ).toBe(401);
  });

  it('a cursor older than the resume window gets `reset` and a fresh start', async () => {
    const id = await create('owner');
    const old = `1.0.1.${Date.now() - 3_600_000}`;
    const c = await stream(`${urlA}/api/v1/jobs/${id}/events?lastEventId=${old}`, as('owner'));
    await c.until((e) => e.some((x) => x.event === 'ready'));
    expect(c.events[0].event).toBe('reset');
    expect(statuses(c.events)[0].data).toMatchObject({ jobId: id, eventId: null });
  });

  it('when an instance loses its LISTEN connection, its streams end and resume without a gap', async () => {
    await startWorker();
    const id = await create('owner', { message: 'interrupted', delayMs: 1500 });
    const a = await stream(`${urlA}/api/v1/jobs/${id}/events`, as('owner'));
    await a.until((events) => statusNames(events).includes('processing'));
    await fx.db.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = 'jobqueue-api events' AND datname = current_database()`,
    );
    await eventually(
      () => Promise.resolve(a.ended),
      (ended) => ended,
    );
    const again = await stream(`${urlA}/api/v1/jobs/${id}/events`, {
      ...as('owner'),
      'Last-Event-ID': a.lastEventId!,
    });
    await again.until(finished);
    const seen = [...statuses(a.events), ...statuses(again.events)].map((e) => e.data.status);
    expect(seen).toEqual(lifeFrom(seen[0]));
  });
});
