import { JobsBatchService, JobTypeStatesService } from '@app/jobs';
import { createJobsFixture, type JobsFixture } from '../support/jobs-fixture';

/**
 * The claim statement's rate-limit arithmetic (libs/jobs/src/rate-limits.ts), against the real
 * statement: who is admitted, and the slots of the others (their outbox rows' not_before).
 */
describe('claim under a rate limit', () => {
  let fx: JobsFixture;
  let batch: JobsBatchService;
  let states: JobTypeStatesService;
  beforeAll(async () => {
    fx = await createJobsFixture();
    batch = fx.module.get(JobsBatchService);
    states = fx.module.get(JobTypeStatesService);
  });
  afterAll(() => fx.close());

  const insert = async (type: string, n: number): Promise<string[]> =>
    (
      await fx.db.dataSource.query<{ id: string }[]>(
        `INSERT INTO jobs (user_id, job_type, payload, created_at)
         SELECT 'u', $1, '{}', now() + make_interval(secs => i / 1000.0) FROM generate_series(1, $2) i
         RETURNING id`,
        [type, n],
      )
    ).map((r) => r.id);
  /** Seconds from the database's now to each deferred row's slot, in slot order. */
  const slots = async (ids: string[]): Promise<number[]> =>
    (
      await fx.db.dataSource.query<{ s: number }[]>(
        `SELECT extract(epoch FROM not_before - now())::float8 AS s FROM queue_messages
         WHERE job_id = ANY($1) AND not_before IS NOT NULL ORDER BY not_before`,
        [ids],
      )
    ).map((r) => Number(r.s));
  /** Moves the type's counted starts `seconds` into the past, as if that much time had gone by. */
  const age = (type: string, seconds: number) =>
    fx.db.dataSource.query(
      `UPDATE job_type_states SET rate_window_at =
         ARRAY(SELECT t - make_interval(secs => $2) FROM unnest(rate_window_at) t)
       WHERE job_type = $1`,
      [type, seconds],
    );

  it('admits up to the limit, oldest first, and gives the rest slots one emission interval apart, after those already given', async () => {
    await states.setRateLimit('limited', 10, 60); // one start per 6 s on average
    const first = await insert('limited', 15);
    const unlimited = await insert('free', 5);

    const one = await batch.claimMany([...first, ...unlimited].reverse(), 'w', null);
    expect(one.claimed.filter((j) => j.jobType === 'free')).toHaveLength(5); // no limit, no wait
    expect(
      one.claimed
        .filter((j) => j.jobType === 'limited')
        .map((j) => j.id)
        .sort(),
    ).toEqual(first.slice(0, 10).sort());
    expect(one.deferred).toBe(5);
    const given = await slots(first);
    expect(given.map((s) => Math.round(s))).toEqual([6, 12, 18, 24, 30]);
    // the deferred jobs stay pending: their new messages are their only way back
    const [{ pending }] = await fx.db.dataSource.query<{ pending: number }[]>(
      `SELECT count(*)::int AS pending FROM jobs WHERE status = 'pending' AND id = ANY($1)`,
      [first],
    );
    expect(pending).toBe(5);

    // a second claim (another worker, the rest of a backlog) queues after the slots given,
    // and the deferred jobs arriving early (before the window has room) go after those again
    const second = await insert('limited', 10);
    const two = await batch.claimMany(second, 'w2', null);
    expect(two).toEqual({ claimed: [], deferred: 10 });
    const early = await batch.claimMany(first.slice(10), 'w', null);
    expect(early).toEqual({ claimed: [], deferred: 5 });
    const all = await slots([...first, ...second]);
    expect(all.map((s) => Math.round(s))).toEqual(
      Array.from({ length: 20 }, (_, i) => 6 * (i + 1)),
    );

    // once the counted starts are older than the interval, the window has room again
    await age('limited', 61);
    const three = await batch.claimMany(second, 'w', null);
    expect(three.claimed).toHaveLength(10);
    expect(three.deferred).toBe(0);
  });

  it('concurrent claims from many connections together start no more than the limit', async () => {
    await states.setRateLimit('contended', 30, 60);
    const ids = await insert('contended', 100);
    const parts = Array.from({ length: 20 }, (_, i) => ids.slice(i * 5, i * 5 + 5));
    const claims = await Promise.all(parts.map((part, i) => batch.claimMany(part, `w${i}`, null)));
    expect(claims.reduce((n, c) => n + c.claimed.length, 0)).toBe(30);
    expect(claims.reduce((n, c) => n + c.deferred, 0)).toBe(70);
    // every deferred job has its own slot
    const given = await slots(ids);
    expect(given).toHaveLength(70);
    expect(new Set(given.map((s) => Math.round(s))).size).toBe(70);
  });

  it('claims close together share one counted pair, so the row stays small whatever the limit', async () => {
    await states.setRateLimit('merged', 1000, 3600); // pairs within 3.6 s merge
    for (let i = 0; i < 3; i++)
      expect((await batch.claimMany(await insert('merged', 5), 'w', null)).claimed).toHaveLength(5);
    const [row] = await fx.db.dataSource.query<{ pairs: number; counted: number[] }[]>(
      `SELECT cardinality(rate_window_at) AS pairs, rate_window_n AS counted
       FROM job_type_states WHERE job_type = 'merged'`,
    );
    // (two, when the three claims straddle a bucket's edge)
    expect(row.pairs).toBeLessThanOrEqual(2);
    expect(row.counted.reduce((a, b) => a + b, 0)).toBe(15);
  });

  it('a type without a limit leaves job_type_states alone', async () => {
    await states.pause('paused-once', 'ops');
    await states.resume('paused-once');
    const before = await fx.db.dataSource.query<unknown[]>(`SELECT * FROM job_type_states`);
    const ids = await insert('paused-once', 3);
    expect((await batch.claimMany(ids, 'w', null)).claimed).toHaveLength(3);
    expect(await fx.db.dataSource.query(`SELECT * FROM job_type_states`)).toEqual(before);
  });
});
