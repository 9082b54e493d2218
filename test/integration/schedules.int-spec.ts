import type { ScheduleDto } from '../../apps/api/src/schedules/dto/schedule.response.dto';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  eventually,
  sleep,
  type Wire,
} from '../e2e/support/api-fixture';

type Schedule = Wire<ScheduleDto>;

/** Recurring schedules through the HTTP API, run by real workers on PostgreSQL and the SQS emulator. */
describe('schedules: exactly one job per tick, whatever the number of workers', () => {
  let fx: ApiFixture;
  const alice = () => bearer(fx.token('alice'));

  beforeAll(async () => {
    fx = await createApiFixture();
    await Promise.all([fx.startWorker(), fx.startWorker(), fx.startWorker()]);
  });
  afterAll(() => fx.close());

  const create = async (fields: object): Promise<Schedule> =>
    body<{ data: Schedule }>(
      await fx
        .http()
        .post('/api/v1/schedules')
        .set(alice())
        .send({ jobType: 'echo', payload: { message: 'tick' }, ...fields })
        .expect(201),
    ).data;

  /** The jobs a schedule made, by the tick each was for (from its idempotency key). */
  const jobsOf = (scheduleId: string) =>
    fx.db.dataSource.query<{ tick: string; jobs: number; completed: number }[]>(
      `SELECT split_part(idempotency_key, ':', 3) || ':' || split_part(idempotency_key, ':', 4) || ':' || split_part(idempotency_key, ':', 5) AS tick,
              count(*)::int AS jobs, count(*) FILTER (WHERE status = 'completed')::int AS completed
       FROM jobs WHERE idempotency_key LIKE $1 GROUP BY 1 ORDER BY 1`,
      [`schedule:${scheduleId}:%`],
    );

  it('a schedule every second makes one job per tick with three workers, and stops while paused', async () => {
    const schedule = await create({ cron: '* * * * * *' });
    await sleep(5500);
    const paused = await fx
      .http()
      .put(`/api/v1/schedules/${schedule.id}/pause`)
      .set(alice())
      .expect(200);
    expect(body<{ data: Schedule }>(paused).data).toMatchObject({
      paused: true,
      nextRunAt: null,
      nextRuns: [],
    });

    const ticks = await jobsOf(schedule.id);
    const jobs = await fx.count('jobs', `idempotency_key LIKE $1`, [`schedule:${schedule.id}:%`]);
    // every second from the first tick to the last, each with one job: no tick missed or doubled
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(jobs).toBe(ticks.length);
    const seconds = ticks.map((t) => Date.parse(t.tick) / 1000);
    expect(seconds).toEqual(seconds.map((_, i) => seconds[0] + i));
    expect(seconds.every(Number.isInteger)).toBe(true);
    await eventually(
      () => jobsOf(schedule.id),
      (rows) => rows.every((r) => r.completed === 1),
    );

    // paused: no tick for two seconds
    await sleep(2000);
    expect(await fx.count('jobs', `idempotency_key LIKE $1`, [`schedule:${schedule.id}:%`])).toBe(
      jobs,
    );

    // resumed: ticking again from the next second, the paused seconds not caught up
    const resumedAt = Date.now();
    const resumed = body<{ data: Schedule }>(
      await fx.http().put(`/api/v1/schedules/${schedule.id}/resume`).set(alice()).expect(200),
    ).data;
    expect(resumed.paused).toBe(false);
    expect(Date.parse(resumed.nextRunAt!)).toBeGreaterThan(resumedAt - 1000);
    const after = await eventually(
      () => jobsOf(schedule.id),
      (rows) => rows.length >= ticks.length + 2,
      5000,
    );
    const newTicks = after.slice(ticks.length).map((t) => Date.parse(t.tick));
    expect(newTicks[0]).toBeGreaterThan(resumedAt - 1000);
    expect(after.every((t) => t.jobs === 1)).toBe(true);
    await fx.http().put(`/api/v1/schedules/${schedule.id}/pause`).set(alice()).expect(200);
  });

  it('after downtime runs once for all the missed ticks, then goes on from the next future tick', async () => {
    // hourly, at a minute half an hour away: no regular tick falls within the test
    const minute = (new Date().getUTCMinutes() + 30) % 60;
    const schedule = await create({ cron: `0 ${minute} * * * *` });
    // as if nothing had run for ten minutes
    await fx.db.dataSource.query(
      `UPDATE schedules SET next_run_at = date_trunc('minute', now()) - interval '10 minutes',
         due_at = date_trunc('minute', now()) - interval '10 minutes' WHERE id = $1`,
      [schedule.id],
    );
    const missedTick = body<{ data: Schedule }>(
      await fx.http().get(`/api/v1/schedules/${schedule.id}`).set(alice()).expect(200),
    ).data.nextRunAt;

    await eventually(
      () => jobsOf(schedule.id),
      (r) => r.length > 0,
    );
    await sleep(1500); // more passes of the three tickers
    expect((await jobsOf(schedule.id)).map(({ tick, jobs }) => ({ tick, jobs }))).toEqual([
      { tick: missedTick, jobs: 1 },
    ]);
    const now = body<{ data: Schedule }>(
      await fx.http().get(`/api/v1/schedules/${schedule.id}`).set(alice()).expect(200),
    ).data;
    expect(now.lastRunAt).toBe(missedTick);
    expect(now.lastJobId).toEqual(expect.any(String));
    const next = Date.parse(now.nextRunAt!);
    expect(next).toBeGreaterThan(Date.now());
    expect(next - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect([new Date(next).getUTCMinutes(), new Date(next).getUTCSeconds()]).toEqual([minute, 0]);
  });

  it('a schedule whose cron cannot be read is paused with the reason, and the others tick on', async () => {
    const healthy = await create({ cron: '* * * * * *' });
    const [{ id: broken }] = await fx.db.dataSource.query<{ id: string }[]>(
      `INSERT INTO schedules (user_id, cron, job_type, payload, next_run_at, due_at)
       VALUES ('alice', 'not a cron', 'echo', '{}', now() - interval '1 second', now() - interval '1 second')
       RETURNING id`,
    );
    const row = await eventually(
      async () =>
        (
          await fx.db.dataSource.query<{ paused: boolean; last_error: string | null }[]>(
            `SELECT paused, last_error FROM schedules WHERE id = $1`,
            [broken],
          )
        )[0],
      (r) => r.paused,
    );
    expect(row.last_error).toMatch(/not a cron/);
    expect(await jobsOf(broken)).toEqual([]);
    await eventually(
      () => jobsOf(healthy.id),
      (ticks) => ticks.length >= 2,
      5000,
    );
    await fx.http().delete(`/api/v1/schedules/${healthy.id}`).set(alice()).expect(204);
  });

  it('a tick whose payload no longer passes submits nothing, says why, and ticks on', async () => {
    const schedule = await create({ cron: '* * * * * *' });
    await fx.db.dataSource.query(`UPDATE schedules SET payload = '{"message": 42}' WHERE id = $1`, [
      schedule.id,
    ]);
    const seen = await eventually(
      async () =>
        body<{ data: Schedule }>(
          await fx.http().get(`/api/v1/schedules/${schedule.id}`).set(alice()),
        ).data,
      (s) => s.lastError !== null,
    );
    expect(seen.lastError).toMatch(/payload\.message/);
    expect(seen.lastJobId).toBeNull();
    expect(await jobsOf(schedule.id)).toEqual([]);
    await fx.http().delete(`/api/v1/schedules/${schedule.id}`).set(alice()).expect(204);
  });
});
