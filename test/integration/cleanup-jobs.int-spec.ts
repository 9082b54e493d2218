import { cleanupJobs, type CleanupPayload, type CleanupResult } from '@app/handlers';
import { createHandlerHarness, type HandlerHarness } from '../support/handler-harness';

interface Seed {
  name: string;
  status: 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';
  /** completed_at this many days ago (null: none, and created_at carries the age). */
  finishedDaysAgo: number | null;
  createdDaysAgo?: number;
  retryScheduled?: boolean;
  parent?: string;
}

/**
 * Retention in TEST_SETTINGS: completed 7 d, failed 30 d, cancelled 7 d. Each job gets two log
 * lines, a metric and an outbox row, to see them go (or stay) with it.
 */
const SEEDS: Seed[] = [
  { name: 'completed-old-1', status: 'completed', finishedDaysAgo: 10 },
  { name: 'completed-old-2', status: 'completed', finishedDaysAgo: 8 },
  { name: 'completed-old-3', status: 'completed', finishedDaysAgo: 400 },
  { name: 'completed-young', status: 'completed', finishedDaysAgo: 3 },
  {
    name: 'completed-no-finish-time',
    status: 'completed',
    finishedDaysAgo: null,
    createdDaysAgo: 9,
  },
  { name: 'failed-for-good-old-1', status: 'failed', finishedDaysAgo: 40 },
  { name: 'failed-for-good-old-2', status: 'failed', finishedDaysAgo: 31 },
  { name: 'failed-retry-scheduled', status: 'failed', finishedDaysAgo: 40, retryScheduled: true },
  { name: 'failed-young', status: 'failed', finishedDaysAgo: 10 },
  { name: 'cancelled-old', status: 'cancelled', finishedDaysAgo: 8 },
  { name: 'cancelled-young', status: 'cancelled', finishedDaysAgo: 1 },
  { name: 'pending-ancient', status: 'pending', finishedDaysAgo: null, createdDaysAgo: 100 },
  { name: 'processing-ancient', status: 'processing', finishedDaysAgo: 100 },
  { name: 'import-with-pending-child', status: 'completed', finishedDaysAgo: 10 },
  {
    name: 'pending-child',
    status: 'pending',
    finishedDaysAgo: null,
    parent: 'import-with-pending-child',
  },
  { name: 'import-all-done', status: 'completed', finishedDaysAgo: 10 },
  { name: 'done-child', status: 'completed', finishedDaysAgo: 9, parent: 'import-all-done' },
];
const EXPIRED = [
  'completed-old-1',
  'completed-old-2',
  'completed-old-3',
  'completed-no-finish-time',
  'failed-for-good-old-1',
  'failed-for-good-old-2',
  'cancelled-old',
  'import-all-done',
  'done-child',
];

describe('cleanup-jobs (real PostgreSQL)', () => {
  let h: HandlerHarness;
  beforeAll(async () => (h = await createHandlerHarness({ settings: { cleanupBatchSize: 4 } })));
  afterAll(() => h.close());

  const sql = <T>(text: string, params: unknown[] = []) => h.services.sql.query<T>(text, params);

  beforeEach(async () => {
    await sql('TRUNCATE jobs, job_metrics CASCADE');
    const ids = new Map<string, string>();
    for (const s of SEEDS) {
      const [row] = await sql<{ id: string }>(
        `INSERT INTO jobs (user_id, job_type, payload, status, created_at, completed_at, next_retry_at, parent_id, idempotency_key)
         VALUES ('alice', 'echo', '{}', $1,
                 now() - make_interval(days => $2::int), now() - make_interval(days => $3::int),
                 CASE WHEN $4::boolean THEN now() + interval '1 minute' END, $5, $6)
         RETURNING id`,
        [
          s.status,
          s.createdDaysAgo ?? (s.finishedDaysAgo ?? 0) + 1,
          s.finishedDaysAgo,
          s.retryScheduled ?? false,
          s.parent ? ids.get(s.parent) : null,
          s.name,
        ],
      );
      ids.set(s.name, row.id);
      await sql(
        `INSERT INTO job_logs (job_id, level, message, source)
         VALUES ($1, 'info', 'a', 'worker'), ($1, 'info', 'b', 'worker')`,
        [row.id],
      );
      await sql(
        `INSERT INTO job_metrics (job_id, job_type, metric_type, metric_value) VALUES ($1, 'echo', 'processing_time_ms', 5)`,
        [row.id],
      );
      await sql(`INSERT INTO queue_messages (job_id, queue_url) VALUES ($1, 'q')`, [row.id]);
    }
    // metrics of jobs deleted long ago (job_id set NULL): one past the longest retention, one not
    await sql(
      `INSERT INTO job_metrics (job_id, job_type, metric_type, metric_value, recorded_at)
       VALUES (NULL, 'echo', 'processing_time_ms', 1, now() - interval '40 days'),
              (NULL, 'echo', 'processing_time_ms', 1, now() - interval '20 days')`,
    );
  });

  const remaining = async () =>
    (await sql<{ name: string }>(`SELECT idempotency_key AS name FROM jobs ORDER BY 1`)).map(
      (r) => r.name,
    );
  const rowCounts = async () =>
    (
      await sql<{ logs: number; messages: number; metrics: number; orphans: number }>(
        `SELECT (SELECT count(*)::int FROM job_logs) AS logs,
                (SELECT count(*)::int FROM queue_messages) AS messages,
                (SELECT count(*)::int FROM job_metrics WHERE job_id IS NOT NULL) AS metrics,
                (SELECT count(*)::int FROM job_metrics WHERE job_id IS NULL) AS orphans`,
      )
    )[0];

  /** A run over every user's jobs (as the schedule submits it), unless `payload` says otherwise. */
  async function run(payload: CleanupPayload = {}, userId = 'system') {
    const { ctx, recorded } = h.context({ jobType: 'cleanup-jobs', userId });
    const result: CleanupResult = await cleanupJobs.run({ allUsers: true, ...payload }, ctx);
    return { result, recorded };
  }

  const kept = SEEDS.map((s) => s.name)
    .filter((n) => !EXPIRED.includes(n))
    .sort();

  it('deletes exactly the expired finished jobs, with their logs, messages and metrics', async () => {
    const { result } = await run();
    expect(result).toEqual({
      deleted: { completed: 6, failed: 2, cancelled: 1 },
      metricsDeleted: 10,
      // batch size 4: completed 4 + 2, failed 2, cancelled 1, orphan metrics 1
      batches: 5,
      dryRun: false,
    });
    expect(await remaining()).toEqual(kept);
    expect(await rowCounts()).toEqual({
      logs: 2 * kept.length,
      messages: kept.length,
      metrics: kept.length,
      orphans: 1,
    });
  });

  it('keeps pending, processing and retry-scheduled jobs however old, and an import whose child is pending', async () => {
    await run();
    const survivors = await remaining();
    for (const name of [
      'pending-ancient',
      'processing-ancient',
      'failed-retry-scheduled',
      'import-with-pending-child',
      'pending-child',
    ]) {
      expect(survivors).toContain(name);
    }
    const [child] = await sql<{ parent: string | null }>(
      `SELECT p.idempotency_key AS parent FROM jobs c JOIN jobs p ON p.id = c.parent_id
       WHERE c.idempotency_key = 'pending-child'`,
    );
    expect(child.parent).toBe('import-with-pending-child');
  });

  it('reports progress per batch, ending at 100', async () => {
    const { recorded } = await run();
    expect(recorded.progress.length).toBe(6);
    expect(recorded.progress).toEqual([...recorded.progress].sort((a, b) => a - b));
    expect(recorded.progress.at(-1)).toBe(100);
    expect(recorded.progress[0]).toBeGreaterThan(0);
    expect(recorded.progress[0]).toBeLessThan(100);
  });

  it('counts without deleting in a dry run, predicting the real run', async () => {
    const before = await rowCounts();
    const { result: dry } = await run({ dryRun: true });
    expect(await remaining()).toHaveLength(SEEDS.length);
    expect(await rowCounts()).toEqual(before);
    const { result: real } = await run();
    expect(dry).toEqual({ ...real, dryRun: true });
  });

  it('takes per-status retention from the payload over the configured one', async () => {
    const { result } = await run({ olderThanDays: { completed: 2, failed: 5 } });
    expect(result.deleted).toEqual({ completed: 7, failed: 3, cancelled: 1 });
    const survivors = await remaining();
    expect(survivors).not.toContain('completed-young');
    expect(survivors).not.toContain('failed-young');
    expect(survivors).toContain('cancelled-young');
    expect(survivors).toContain('failed-retry-scheduled');
  });

  it('skips a job another transaction holds instead of waiting, and takes it next time', async () => {
    const client = await h.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `SELECT id FROM jobs WHERE idempotency_key = 'completed-old-1' FOR NO KEY UPDATE`,
      );
      const { result } = await run();
      expect(result.deleted.completed).toBe(5);
      expect(await remaining()).toContain('completed-old-1');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    const { result } = await run();
    expect(result.deleted).toEqual({ completed: 1, failed: 0, cancelled: 0 });
    expect(await remaining()).toEqual(kept);
  });

  it('without allUsers cleans up only its own user’s jobs, whatever that user is called', async () => {
    const { result: system } = await run({ allUsers: false }, 'system');
    expect(system).toMatchObject({ deleted: { completed: 0, failed: 0, cancelled: 0 } });
    const { result: bob } = await run({ allUsers: false }, 'bob');
    expect(bob).toMatchObject({
      deleted: { completed: 0, failed: 0, cancelled: 0 },
      metricsDeleted: 0,
    });
    expect(await remaining()).toHaveLength(SEEDS.length);
    const { result: alice } = await run({ allUsers: false }, 'alice');
    expect(alice).toMatchObject({
      deleted: { completed: 6, failed: 2, cancelled: 1 },
      metricsDeleted: 9,
    });
    expect((await rowCounts()).orphans).toBe(2);
  });

  it('stops before deleting when its signal has fired', async () => {
    const abort = new AbortController();
    abort.abort('shutdown');
    const { ctx } = h.context({ signal: abort.signal });
    await expect(cleanupJobs.run({}, ctx)).rejects.toThrow('cleanup-jobs aborted: shutdown');
    expect(await remaining()).toHaveLength(SEEDS.length);
  });
});
