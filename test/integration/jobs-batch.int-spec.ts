import { randomUUID } from 'node:crypto';
import type { AppConfig } from '@app/config';
import { JobLogsService, JobsBatchService, type AttemptRef } from '@app/jobs';
import { ConfigService } from '@nestjs/config';
import { createJobsFixture, type JobsFixture } from '../support/jobs-fixture';

/**
 * The worker's batch statements run concurrently from many processes (heartbeats, completions,
 * failures, releases) over overlapping sets of jobs. Whatever the plan PostgreSQL picks, they
 * must queue behind each other, never deadlock: a deadlock costs a second and, for a
 * heartbeat, can make a healthy job look stalled.
 */
describe('JobsBatchService under concurrent overlapping batches', () => {
  let fx: JobsFixture;
  let batch: JobsBatchService;
  beforeAll(async () => {
    fx = await createJobsFixture();
    batch = fx.module.get(JobsBatchService);
  });
  afterAll(() => fx.close());

  async function processingJobs(n: number): Promise<AttemptRef[]> {
    const ids = await fx.db.dataSource
      .query<{ id: string }[]>(
        `INSERT INTO jobs (user_id, job_type, payload, max_retries)
         SELECT 'race', 'noop', '{}', 3 FROM generate_series(1, $1) RETURNING id`,
        [n],
      )
      .then((rows) => rows.map((r) => r.id));
    const { claimed } = await batch.claimMany(ids, 'worker-under-test', ['noop']);
    return claimed.map((j) => ({ id: j.id, attempt: j.attempt }));
  }

  const shuffled = <T>(items: readonly T[]): T[] =>
    items
      .map((item) => ({ item, key: Math.random() }))
      .sort((a, b) => a.key - b.key)
      .map((x) => x.item);

  it('40 heartbeats of shuffled overlapping sets all succeed, none deadlocks', async () => {
    const refs = await processingJobs(400);
    const rounds = Array.from({ length: 40 }, (_, i) =>
      batch.heartbeatMany(
        shuffled(refs)
          .slice(0, 200 + i)
          .map((r) => ({ ...r, progress: i })),
      ),
    );
    const results = await Promise.allSettled(rounds);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  });

  it('heartbeats racing completions and failures of the same jobs: every job settles once', async () => {
    const refs = await processingJobs(300);
    const half = refs.length / 2;
    const work = [
      ...Array.from({ length: 20 }, () =>
        batch.heartbeatMany(shuffled(refs).map((r) => ({ ...r, progress: 50 }))),
      ),
      ...Array.from({ length: 10 }, (_, i) =>
        batch.completeMany(
          shuffled(refs.slice(0, half))
            .slice(0, 100 + i)
            .map((r) => ({ ...r, resultsJson: JSON.stringify({ i }) })),
        ),
      ),
      ...Array.from({ length: 10 }, () =>
        batch.failMany(
          shuffled(refs.slice(half)).map((r) => ({
            ...r,
            errorMessage: 'boom',
            retryDelayMs: null,
          })),
        ),
      ),
    ];
    const results = await Promise.allSettled(work);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const rows = await fx.db.dataSource.query<{ status: string; n: number }[]>(
      `SELECT status, count(*)::int AS n FROM jobs WHERE id = ANY($1) GROUP BY status ORDER BY status`,
      [refs.map((r) => r.id)],
    );
    // the completions overlap on 100+ of the first half: some of it may stay processing
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    expect(byStatus.failed).toBe(half);
    expect(byStatus.completed).toBeGreaterThanOrEqual(109);
    // each completed job was won by exactly one of the racing completion batches
    const won = results
      .slice(20, 30)
      .flatMap((r) => (r.status === 'fulfilled' ? (r.value as string[]) : []));
    expect(won).toHaveLength(byStatus.completed);
    expect(new Set(won).size).toBe(byStatus.completed);
  });

  it('a completion retried for the same attempt (its first try timed out but committed) is still a win, with one completion in its log; a stale attempt is not', async () => {
    const [ref] = await processingJobs(1);
    const completion = { ...ref, resultsJson: JSON.stringify({ n: 1 }) };
    const retried = { retried: true };
    expect(await batch.completeMany([completion])).toEqual([ref.id]);
    expect(await batch.completeMany([completion], retried)).toEqual([ref.id]);
    // a first try (another caller's) gets no such pass: the job is already completed
    expect(await batch.completeMany([completion])).toEqual([]);
    expect(
      await batch.completeMany([{ ...completion, attempt: ref.attempt - 1 }], retried),
    ).toEqual([]);
    const logged = await fx.module.get(JobLogsService).forJob(ref.id);
    expect(logged.map((l) => l.message)).toEqual([
      `attempt ${ref.attempt} started on worker-under-test`,
      `attempt ${ref.attempt} completed`,
    ]);
    // a completion writes its row only: no metric or log row of its own
    const [written] = await fx.db.dataSource.query<{ rows: number }[]>(
      `SELECT (SELECT count(*)::int FROM job_metrics WHERE job_id = $1)
            + (SELECT count(*)::int FROM job_logs WHERE job_id = $1) AS rows`,
      [ref.id],
    );
    expect(written.rows).toBe(0);
  });

  it('writes the DLQ outbox row and the log line with a final failure, once per attempt, and none for a retry', async () => {
    const ids = await fx.db.dataSource
      .query<{ id: string }[]>(
        `INSERT INTO jobs (user_id, job_type, payload) SELECT 'dlq', 'noop', '{}' FROM generate_series(1, 2) RETURNING id`,
      )
      .then((rows) => rows.map((r) => r.id));
    const {
      claimed: [dead, retried],
    } = await batch.claimMany(ids, 'worker-under-test', ['noop']);
    const { dlqUrl } = fx.module.get(ConfigService<AppConfig, true>).get('queue', { infer: true });
    const failures = [
      { id: dead.id, attempt: dead.attempt, errorMessage: 'boom', retryDelayMs: null },
      { id: retried.id, attempt: retried.attempt, errorMessage: 'again', retryDelayMs: 60_000 },
    ];
    expect((await batch.failMany(failures)).map((j) => j.id).sort()).toEqual(ids.sort());
    // a second try of the same failures (a retried batch) wins nothing and writes nothing; as
    // a retry after a timeout, it gets back what its first try committed
    expect(await batch.failMany(failures)).toEqual([]);
    expect((await batch.failMany(failures, { retried: true })).map((j) => j.id).sort()).toEqual(
      [...ids].sort(),
    );
    expect(await batch.failMany([{ ...failures[0], attempt: 0 }], { retried: true })).toEqual([]);
    const rows = await fx.db.dataSource.query<
      { job_id: string; queue_url: string; attempt: number; reason: string }[]
    >(`SELECT job_id, queue_url, attempt, reason FROM queue_messages WHERE job_id = ANY($1)`, [
      ids,
    ]);
    expect(rows).toEqual([{ job_id: dead.id, queue_url: dlqUrl, attempt: 1, reason: 'boom' }]);
    const logged = await fx.db.dataSource.query<{ job_id: string; message: string }[]>(
      `SELECT job_id, message FROM job_logs WHERE job_id = ANY($1)`,
      [ids],
    );
    expect(logged).toEqual([
      { job_id: dead.id, message: 'moved to the dead-letter queue after attempt 1: boom' },
    ]);
  });
});

describe('claimMany after a claim that timed out but committed', () => {
  let fx: JobsFixture;
  let batch: JobsBatchService;
  beforeAll(async () => {
    fx = await createJobsFixture();
    batch = fx.module.get(JobsBatchService);
  });
  afterAll(() => fx.close());

  it('returns the rows its own earlier try claimed, never those of another claim of the same worker or of another worker', async () => {
    const ids = await fx.db.dataSource
      .query<{ id: string }[]>(
        `INSERT INTO jobs (user_id, job_type, payload) SELECT 'u', 'noop', '{}' FROM generate_series(1, 4) RETURNING id`,
      )
      .then((rows) => rows.map((r) => r.id));
    const [mine, sibling, others, pending] = ids;
    const claimId = randomUUID();
    await batch.claimMany([mine], 'me', null, { claimId }); // the try whose answer was lost
    // another receive loop of the same worker claimed a duplicate message's job meanwhile
    await batch.claimMany([sibling], 'me', null, { claimId: randomUUID() });
    await batch.claimMany([others], 'someone-else', null, { claimId: randomUUID() });
    const { claimed: retried } = await batch.claimMany(ids, 'me', null, { claimId, retried: true });
    expect(retried.map((j) => j.id).sort()).toEqual([mine, pending].sort());
    expect(retried.find((j) => j.id === mine)).toMatchObject({ attempt: 1, status: 'processing' });
    // without `retried` (a first try) nothing already processing is returned
    expect(await batch.claimMany(ids, 'me', null, { claimId: randomUUID() })).toEqual({
      claimed: [],
      deferred: 0,
    });
  });
});
