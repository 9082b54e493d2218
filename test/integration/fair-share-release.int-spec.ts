import { JobsBatchService } from '@app/jobs';
import { createJobsFixture, type JobsFixture } from '../support/jobs-fixture';

/**
 * The fair-share release in the transition statements themselves, with no sweeper running: what
 * a completion releases, and what no longer counts against a share.
 */
describe('fair-share release by the statements that end jobs', () => {
  let fx: JobsFixture;
  let batch: JobsBatchService;
  const sql = <T>(text: string, params: unknown[] = []) =>
    fx.db.dataSource.query<T[]>(text, params);
  const create = async (user: string, type: string, n: number) =>
    (
      await sql<{ id: string }>(
        `INSERT INTO jobs (user_id, job_type, payload, max_retries, created_at)
         SELECT $1, $2, '{}', 3, now() + g * interval '1 ms' FROM generate_series(1, $3::int) g
         RETURNING id`,
        [user, type, n],
      )
    ).map((r) => r.id);
  const released = async (ids: string[]) =>
    (
      await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM held_jobs WHERE released_at IS NOT NULL AND job_id = ANY($1)`,
        [ids],
      )
    )[0].n;
  const finish = (jobs: { id: string; attempt: number }[]) =>
    batch.completeMany(jobs.map((j) => ({ id: j.id, attempt: j.attempt, resultsJson: '{}' })));

  beforeAll(async () => {
    fx = await createJobsFixture();
    batch = fx.module.get(JobsBatchService);
  });
  afterAll(() => fx.close());
  afterEach(() => sql(`TRUNCATE held_jobs, user_limits, job_type_states, queue_messages`));

  it("a completion releases as many of the type's held jobs as its own cap frees, no more", async () => {
    await sql(`INSERT INTO job_type_states (job_type, max_running_per_user) VALUES ('typed', 2)`);
    const ids = await create('tess', 'typed', 6);
    const { claimed } = await batch.claimMany(ids, 'w', null);
    expect(claimed).toHaveLength(2);
    expect(await released(ids)).toBe(0);
    await finish(claimed);
    // the two ended in this very statement: two held jobs of the type are released, four wait
    expect(await released(ids)).toBe(2);
    const { claimed: next } = await batch.claimMany(ids, 'w', null);
    expect(next).toHaveLength(2);
    expect(
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM held_jobs WHERE released_at IS NULL`,
        )
      )[0].n,
    ).toBe(2);
  });

  it('a released job that is cancelled before its claim stops counting against the share', async () => {
    await sql(`INSERT INTO user_limits (user_id, max_running) VALUES ('uma', 1)`);
    const ids = await create('uma', 'any', 3);
    const { claimed } = await batch.claimMany(ids, 'w', null);
    await finish(claimed);
    const releasedJobs = (
      await sql<{ job_id: string }>(`SELECT job_id FROM held_jobs WHERE released_at IS NOT NULL`)
    ).map((r) => r.job_id);
    // the completion freed her one slot: exactly one held job released, one still held
    expect(releasedJobs).toHaveLength(1);
    const [releasedJob] = releasedJobs;
    expect(ids.filter((id) => !claimed.some((c) => c.id === id))).toContain(releasedJob);
    expect(await sql(`SELECT 1 FROM held_jobs WHERE released_at IS NULL`)).toHaveLength(1);
    await batch.cancelMany([releasedJob]);
    expect(await sql(`SELECT 1 FROM held_jobs WHERE job_id = $1`, [releasedJob])).toHaveLength(0);
    // the sweeper's pass: her share is free again, so the last held job is released
    expect(await batch.releaseHeld()).toBe(1);
  });

  it('a paused type does not take the share from the user’s other held jobs', async () => {
    await sql(`INSERT INTO user_limits (user_id, max_running) VALUES ('pia', 1)`);
    const paused = await create('pia', 'paused-type', 2);
    const other = await create('pia', 'other-type', 1);
    const first = await batch.claimMany(paused.slice(0, 1), 'w', null);
    await batch.claimMany([...paused.slice(1), ...other], 'w', null);
    await sql(`INSERT INTO job_type_states (job_type, paused_at) VALUES ('paused-type', now())`);
    await finish(first.claimed);
    expect(await released(other)).toBe(1);
    expect(await released(paused)).toBe(0);
  });
});
