import { JobsBatchService, JobTypeStatesService, QueueMessagesRepository } from '@app/jobs';
import { createJobsFixture, type JobsFixture } from '../support/jobs-fixture';

const MAIN = 'http://127.0.0.1:1/000000000000/lanes-main';
const LANE = 'http://127.0.0.1:1/000000000000/lanes-priority';
const DLQ = 'http://127.0.0.1:1/000000000000/lanes-dlq';

/**
 * Every statement that writes a job's next message keeps the job in its lane: a job with priority
 * above 0 is announced on SQS_PRIORITY_QUEUE_URL however it comes back to `pending`.
 */
describe('a job keeps its lane through every re-queue', () => {
  let fx: JobsFixture;
  let batch: JobsBatchService;
  let ids: string[];
  const sql = <T>(text: string, params: unknown[] = []) =>
    fx.db.dataSource.query<T[]>(text, params);
  const claim = async () =>
    (await batch.claimMany(ids, 'lane-worker', ['lanes'])).claimed.map((j) => ({
      id: j.id,
      attempt: j.attempt,
    }));
  /** The queues each priority's messages went to, DLQ copies aside. */
  const queuesByPriority = () =>
    sql<{ priority: number; queues: string[]; messages: number }>(
      `SELECT j.priority, array_agg(DISTINCT q.queue_url) AS queues, count(*)::int AS messages
       FROM queue_messages q JOIN jobs j ON j.id = q.job_id WHERE q.queue_url <> $1
       GROUP BY j.priority ORDER BY j.priority`,
      [DLQ],
    );

  beforeAll(async () => {
    fx = await createJobsFixture({
      queue: { queueUrl: MAIN, priorityQueueUrl: LANE, dlqUrl: DLQ },
    });
    batch = fx.module.get(JobsBatchService);
    ids = (
      await sql<{ id: string }>(
        `INSERT INTO jobs (user_id, job_type, payload, max_retries, priority)
         VALUES ('u', 'lanes', '{}', 5, 0), ('u', 'lanes', '{}', 5, 7) RETURNING id`,
      )
    ).map((r) => r.id);
  });
  afterAll(() => fx.close());

  it('announces on the lane after a release, a due retry, a retry and requeue by hand, a recovery, a deferral, a resend and a resume', async () => {
    await batch.releaseMany(await claim());

    await batch.failMany(
      (await claim()).map((r) => ({ ...r, errorMessage: 'x', retryDelayMs: 0 })),
    );
    expect(await batch.retryDue(10)).toHaveLength(2);

    await batch.failMany(
      (await claim()).map((r) => ({ ...r, errorMessage: 'x', retryDelayMs: 60_000 })),
    );
    expect(await batch.retryMany(ids, 5)).toHaveLength(2);

    await batch.cancelMany(ids);
    expect(await batch.requeueMany(ids)).toHaveLength(2);

    await claim();
    await sql(`UPDATE jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = ANY($1)`, [ids]);
    expect((await batch.recoverStalled(ids, 1000)).filter((j) => j.requeued)).toHaveLength(2);

    expect(await batch.deferUnknownTypes(ids, ['other'], 60)).toBe(2);

    // every message sent an hour ago, and the jobs as old: SQS lost them
    await sql(`UPDATE queue_messages SET sent_at = now() - interval '1 hour'`);
    await sql(`UPDATE jobs SET created_at = now() - interval '1 hour'`);
    expect(await fx.module.get(QueueMessagesRepository).addForStalePending(1000, 10)).toBe(2);

    const states = fx.module.get(JobTypeStatesService);
    await states.pause('lanes', 'ops');
    expect(await states.resume('lanes')).toBe(2);

    expect(await queuesByPriority()).toEqual([
      { priority: 0, queues: [MAIN], messages: 8 },
      { priority: 7, queues: [LANE], messages: 8 },
    ]);
  });

  it('keeps the lane when a rate limit defers a job and when a fair share releases a held one', async () => {
    await sql(`DELETE FROM queue_messages`);
    await sql(`UPDATE jobs SET status = 'pending', cancel_requested_at = NULL WHERE id = ANY($1)`, [
      ids,
    ]);
    // one start an hour: a claim starts one job and defers the other to its slot
    await sql(
      `INSERT INTO job_type_states (job_type, rate_limit, rate_interval_seconds) VALUES ('lanes', 1, 3600)
       ON CONFLICT (job_type) DO UPDATE SET rate_limit = 1, rate_interval_seconds = 3600, paused_at = NULL`,
    );
    const first = await batch.claimMany(ids, 'lane-worker', ['lanes']);
    expect([first.claimed.length, first.deferred]).toEqual([1, 1]);
    // released, the started one comes back and the window is full: both are deferred now
    await batch.releaseMany(first.claimed.map((j) => ({ id: j.id, attempt: j.attempt })));
    expect((await batch.claimMany(ids, 'lane-worker', ['lanes'])).deferred).toBe(2);
    await sql(`UPDATE job_type_states SET rate_limit = NULL, rate_interval_seconds = NULL`);

    // a cap of one running job for the user: one starts, the other is held, then released
    await sql(`INSERT INTO user_limits (user_id, max_running) VALUES ('u', 1)`);
    const shared = await batch.claimMany(ids, 'lane-worker', ['lanes']);
    expect(shared.claimed).toHaveLength(1);
    expect(await sql(`SELECT job_id FROM held_jobs`)).toHaveLength(1);
    await batch.completeMany(
      shared.claimed.map((j) => ({ id: j.id, attempt: j.attempt, resultsJson: '{}' })),
    );
    expect(await sql(`SELECT job_id FROM held_jobs WHERE released_at IS NOT NULL`)).toHaveLength(1);

    expect(await queuesByPriority()).toEqual([
      { priority: 0, queues: [MAIN], messages: expect.any(Number) as number },
      { priority: 7, queues: [LANE], messages: expect.any(Number) as number },
    ]);
    // a deferral, the worker's release, two deferrals, the fair-share release
    expect(await sql(`SELECT 1 FROM queue_messages`)).toHaveLength(5);
  });
});
