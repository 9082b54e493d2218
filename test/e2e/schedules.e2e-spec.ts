import type { ScheduleDto } from '../../apps/api/src/schedules/dto/schedule.response.dto';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  ISO_DATE,
  UUID,
  type Wire,
} from './support/api-fixture';

type Schedule = Wire<ScheduleDto>;
const ECHO = { jobType: 'echo', payload: { message: 'hi' } };

describe('/api/v1/schedules', () => {
  let fx: ApiFixture;
  const as = (sub: string, roles: string[] = []) => bearer(fx.token(sub, roles));
  const create = (sub: string, fields: object, roles: string[] = []) =>
    fx
      .http()
      .post('/api/v1/schedules')
      .set(as(sub, roles))
      .send({ ...ECHO, cron: '0 3 * * *', ...fields });
  const created = async (sub: string, fields: object = {}) =>
    body<{ data: Schedule }>(await create(sub, fields).expect(201)).data;
  const rows = async (where = 'TRUE', params: unknown[] = []) =>
    (
      await fx.db.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM schedules WHERE ${where}`,
        params,
      )
    )[0].n;
  const errorOf = (res: { body: unknown }) => body<ErrorBody>(res).error;

  beforeAll(async () => {
    fx = await createApiFixture();
  });
  afterAll(() => fx.close());

  it('creates a schedule and answers with its next five runs in its time zone', async () => {
    const res = await create('alice', {
      name: 'morning',
      cron: '0 9 * * mon-fri',
      timeZone: 'America/New_York',
      jitterSeconds: 30,
    }).expect(201);
    const { data } = body<{ data: Schedule }>(res);
    expect(data).toEqual({
      id: expect.stringMatching(UUID) as string,
      userId: 'alice',
      name: 'morning',
      cron: '0 9 * * mon-fri',
      timeZone: 'America/New_York',
      ...ECHO,
      jitterSeconds: 30,
      paused: false,
      system: false,
      nextRunAt: data.nextRuns[0],
      nextRuns: expect.any(Array) as string[],
      lastRunAt: null,
      lastJobId: null,
      lastError: null,
      createdAt: expect.stringMatching(ISO_DATE) as string,
      updatedAt: expect.stringMatching(ISO_DATE) as string,
    });
    const runs = data.nextRuns as unknown as string[];
    expect(runs).toHaveLength(5);
    const local = (iso: string) =>
      new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        weekday: 'short',
        hour: 'numeric',
        minute: '2-digit',
        hour12: false,
      }).format(new Date(iso));
    for (const run of runs) {
      expect(run).toMatch(ISO_DATE);
      expect(local(run)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    }
    expect(Date.parse(runs[0])).toBeGreaterThan(Date.now());
    expect(runs).toEqual([...runs].sort());
  });

  it.each([
    [{ cron: '61 * * * *' }, 'VALIDATION_FAILED', 'cron'],
    [{ cron: '0 0 30 2 *' }, 'VALIDATION_FAILED', 'cron'],
    [{ cron: undefined }, 'VALIDATION_FAILED', 'cron'],
    [{ timeZone: 'Mars/Olympus_Mons' }, 'VALIDATION_FAILED', 'timeZone'],
    [{ jitterSeconds: 3601 }, 'VALIDATION_FAILED', 'jitterSeconds'],
    [{ jitterSeconds: -1 }, 'VALIDATION_FAILED', 'jitterSeconds'],
    [{ name: '' }, 'VALIDATION_FAILED', 'name'],
    [{ paused: true }, 'VALIDATION_FAILED', 'paused'],
    [{ jobType: 'teleport' }, 'JOB_TYPE_UNKNOWN', 'jobType'],
    [{ payload: { delayMs: 'soon' } }, 'JOB_PAYLOAD_INVALID', 'payload.delayMs'],
  ])('refuses %j with 400 %s naming %s, and writes nothing', async (fields, code, field) => {
    const before = await rows();
    const res = await create('alice', fields).expect(400);
    expect(errorOf(res).code).toBe(code);
    if (code !== 'JOB_TYPE_UNKNOWN')
      expect(errorOf(res).details.map((d) => d.field)).toContain(field);
    expect(await rows()).toBe(before);
  });

  it('refuses an admin-only payload to a user with 403 naming the field; an admin may', async () => {
    const cleanup = { jobType: 'cleanup-jobs', payload: { allUsers: true } };
    const res = await create('alice', cleanup).expect(403);
    expect(errorOf(res)).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorOf(res).message).toMatch(/^payload\.allUsers/);
    await create('ops', cleanup, ['admin']).expect(201);
  });

  it('isolates users: another user’s schedule is 404 to read, change, pause or delete', async () => {
    const mine = await created('alice');
    const bob = as('bob');
    for (const req of [
      fx.http().get(`/api/v1/schedules/${mine.id}`),
      fx.http().patch(`/api/v1/schedules/${mine.id}`).send({ cron: '* * * * *' }),
      fx.http().put(`/api/v1/schedules/${mine.id}/pause`),
      fx.http().put(`/api/v1/schedules/${mine.id}/resume`),
      fx.http().delete(`/api/v1/schedules/${mine.id}`),
    ]) {
      const res = await req.set(bob);
      expect(res.status).toBe(404);
      expect(errorOf(res).code).toBe('SCHEDULE_NOT_FOUND');
    }
    const list = body<{ data: Schedule[] }>(
      await fx.http().get('/api/v1/schedules').set(bob).expect(200),
    );
    expect(list.data).toEqual([]);
    const unchanged = body<{ data: Schedule }>(
      await fx.http().get(`/api/v1/schedules/${mine.id}`).set(as('alice')).expect(200),
    ).data;
    expect(unchanged).toEqual(mine);
  });

  it('lists the caller’s own, newest first, paged; an admin and a viewer list everyone’s', async () => {
    const first = await created('carol');
    const second = await created('carol');
    const page = body<{ data: Schedule[]; pagination: object }>(
      await fx.http().get('/api/v1/schedules?limit=1&page=2').set(as('carol')).expect(200),
    );
    expect(page.data.map((s) => s.id)).toEqual([first.id]);
    expect(page.pagination).toEqual({ page: 2, limit: 1, total: 2 });
    expect(
      body<{ data: Schedule[] }>(
        await fx.http().get('/api/v1/schedules').set(as('carol')).expect(200),
      ).data.map((s) => s.id),
    ).toEqual([second.id, first.id]);
    for (const role of ['admin', 'viewer']) {
      const all = body<{ pagination: { total: number } }>(
        await fx
          .http()
          .get('/api/v1/schedules')
          .set(as('someone', [role]))
          .expect(200),
      );
      expect(all.pagination.total).toBe(await rows());
    }
    const res = await fx.http().get('/api/v1/schedules?limit=101').set(as('carol')).expect(400);
    expect(errorOf(res).details.map((d) => d.field)).toEqual(['limit']);
  });

  it('updates only the fields given; a new timetable moves the next run; jobType cannot change', async () => {
    const s = await created('dave', { name: 'n', jitterSeconds: 5 });
    const patch = (fields: object) =>
      fx.http().patch(`/api/v1/schedules/${s.id}`).set(as('dave')).send(fields);

    const renamed = body<{ data: Schedule }>(await patch({ name: null }).expect(200)).data;
    expect(renamed).toMatchObject({ name: null, cron: s.cron, nextRunAt: s.nextRunAt });

    const retimed = body<{ data: Schedule }>(
      await patch({ cron: '*/10 * * * * *', timeZone: 'Asia/Tokyo' }).expect(200),
    ).data;
    expect(retimed).toMatchObject({
      cron: '*/10 * * * * *',
      timeZone: 'Asia/Tokyo',
      jitterSeconds: 5,
    });
    expect(Date.parse(retimed.nextRunAt!) - Date.now()).toBeLessThanOrEqual(10_000);
    expect(new Date(retimed.nextRunAt!).getUTCSeconds() % 10).toBe(0);

    for (const [fields, field] of [
      [{ jobType: 'export' }, 'jobType'],
      [{ cron: null }, 'cron'],
      [{ timeZone: 'Nowhere/Land' }, 'timeZone'],
      [{ payload: { delayMs: -1 } }, 'payload.delayMs'],
    ] as const) {
      const res = await patch(fields).expect(400);
      expect(errorOf(res).details.map((d) => d.field)).toContain(field);
    }
    const now = body<{ data: Schedule }>(
      await fx.http().get(`/api/v1/schedules/${s.id}`).set(as('dave')).expect(200),
    ).data;
    expect(now).toMatchObject({ jobType: 'echo', cron: '*/10 * * * * *', payload: ECHO.payload });
  });

  it('pauses (no next runs) and resumes from the next tick; an admin may do it to anyone’s', async () => {
    const s = await created('erin');
    const ops = as('ops', ['admin']);
    const paused = body<{ data: Schedule }>(
      await fx.http().put(`/api/v1/schedules/${s.id}/pause`).set(ops).expect(200),
    ).data;
    expect(paused).toMatchObject({ paused: true, nextRunAt: null, nextRuns: [] });
    const resumed = body<{ data: Schedule }>(
      await fx.http().put(`/api/v1/schedules/${s.id}/resume`).set(as('erin')).expect(200),
    ).data;
    expect(resumed).toMatchObject({ paused: false, nextRunAt: s.nextRunAt });
    expect(resumed.nextRuns).toHaveLength(5);
  });

  it('deletes a schedule (204, then 404); a bad id is 400 naming id', async () => {
    const s = await created('frank');
    await fx.http().delete(`/api/v1/schedules/${s.id}`).set(as('frank')).expect(204);
    const res = await fx.http().get(`/api/v1/schedules/${s.id}`).set(as('frank')).expect(404);
    expect(errorOf(res).code).toBe('SCHEDULE_NOT_FOUND');
    const bad = await fx.http().get('/api/v1/schedules/not-a-uuid').set(as('frank')).expect(400);
    expect(errorOf(bad).details).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
  });

  it('allows 100 schedules per user: the 101st is 409 SCHEDULE_LIMIT_REACHED', async () => {
    await fx.db.dataSource.query(
      `INSERT INTO schedules (user_id, cron, job_type, next_run_at, due_at)
       SELECT 'grace', '0 3 * * *', 'echo', now() + interval '1 day', now() + interval '1 day'
       FROM generate_series(1, 100)`,
    );
    const res = await create('grace', {}).expect(409);
    expect(errorOf(res)).toMatchObject({ code: 'SCHEDULE_LIMIT_REACHED' });
    expect(errorOf(res).message).toMatch(/at most 100 schedules/);
    expect(await rows(`user_id = 'grace'`)).toBe(100);
  });

  describe('the system’s clean-up schedule', () => {
    let cleanup: Schedule;
    beforeAll(async () => {
      await fx.startWorker({ cleanup: { cron: '17 3 * * *' } });
      const [{ id }] = await fx.db.dataSource.query<{ id: string }[]>(
        `SELECT id FROM schedules WHERE user_id = 'system' AND name = 'cleanup'`,
      );
      cleanup = body<{ data: Schedule }>(
        await fx
          .http()
          .get(`/api/v1/schedules/${id}`)
          .set(as('ops', ['admin']))
          .expect(200),
      ).data;
    });

    it('is listed to admins as the system’s, and is 404 to users, even one whose sub is system', async () => {
      expect(cleanup).toMatchObject({
        userId: 'system',
        system: true,
        jobType: 'cleanup-jobs',
        payload: { allUsers: true },
        cron: '17 3 * * *',
        timeZone: 'UTC',
      });
      for (const sub of ['alice', 'system']) {
        await fx.http().get(`/api/v1/schedules/${cleanup.id}`).set(as(sub)).expect(404);
        await fx
          .http()
          .patch(`/api/v1/schedules/${cleanup.id}`)
          .set(as(sub))
          .send({ cron: '* * * * * *' })
          .expect(404);
      }
      const res = await create('system', {}).expect(403);
      expect(errorOf(res).message).toMatch(/^sub/);
    });

    it('admins edit and pause it, and nobody deletes it', async () => {
      const ops = as('ops', ['admin']);
      const edited = body<{ data: Schedule }>(
        await fx
          .http()
          .patch(`/api/v1/schedules/${cleanup.id}`)
          .set(ops)
          .send({ cron: '0 4 * * *', payload: { allUsers: true, dryRun: true } })
          .expect(200),
      ).data;
      expect(edited).toMatchObject({
        cron: '0 4 * * *',
        payload: { allUsers: true, dryRun: true },
      });
      await fx.http().put(`/api/v1/schedules/${cleanup.id}/pause`).set(ops).expect(200);
      const res = await fx.http().delete(`/api/v1/schedules/${cleanup.id}`).set(ops).expect(409);
      expect(errorOf(res).code).toBe('SCHEDULE_SYSTEM_OWNED');
      expect(await rows(`id = $1`, [cleanup.id])).toBe(1);
    });
  });
});
