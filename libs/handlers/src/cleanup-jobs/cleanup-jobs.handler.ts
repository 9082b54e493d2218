import type { HandlerContext, HandlerDefinition } from '../handler-context';
import { CleanupPayload, type CleanupResult, type FinishedStatus } from './cleanup-jobs.payload';

const DAY_MS = 86_400_000;
const STATUSES: readonly FinishedStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * The user the worker's schedule submits its cleanup-jobs jobs as. The name grants nothing: what
 * a clean-up may touch is its payload's `allUsers`, which only an admin (or the schedule) sets.
 */
export const SYSTEM_USER = 'system';

/**
 * Jobs of status $1 finished longer than $2 ms ago, of user $3 (NULL: every user) (created_at stands in for a missing
 * completed_at). A failed job counts only once it has failed for good (no retry scheduled). A
 * parent whose children are not all finished is kept, so an import stays linked to its jobs
 * while they run; the database would allow deleting it (children's parent_id is SET NULL).
 */
const EXPIRED = `
  j.status = $1::varchar
  AND ($3::varchar IS NULL OR j.user_id = $3::varchar)
  AND coalesce(j.completed_at, j.created_at) < now() - make_interval(secs => $2::float8 / 1000)
  AND ($1::varchar <> 'failed' OR j.next_retry_at IS NULL)
  AND NOT EXISTS (
    SELECT 1 FROM jobs c WHERE c.parent_id = j.id
      AND (c.status IN ('pending', 'processing') OR (c.status = 'failed' AND c.next_retry_at IS NOT NULL)))`;

/**
 * Deletes up to $4 expired jobs in one statement (its own short transaction): rows are taken
 * with SKIP LOCKED, so a job a worker or the api holds is left for the next run and nobody
 * waits on us. Their metrics go explicitly (the foreign key would only null them); logs and
 * queue_messages follow by ON DELETE CASCADE.
 */
const DELETE_BATCH = `
  WITH doomed AS MATERIALIZED (
    SELECT j.id FROM jobs j WHERE ${EXPIRED}
    ORDER BY j.created_at LIMIT $4 FOR UPDATE SKIP LOCKED
  ), metrics AS (
    DELETE FROM job_metrics WHERE job_id IN (SELECT id FROM doomed) RETURNING 1
  ), gone AS (
    DELETE FROM jobs WHERE id IN (SELECT id FROM doomed) RETURNING 1
  )
  SELECT (SELECT count(*)::int FROM gone) AS jobs, (SELECT count(*)::int FROM metrics) AS metrics`;

const COUNT_EXPIRED = `
  SELECT count(*)::int AS jobs,
    (SELECT count(*)::int FROM job_metrics m
     WHERE m.job_id IN (SELECT j.id FROM jobs j WHERE ${EXPIRED})) AS metrics
  FROM jobs j WHERE ${EXPIRED}`;

/** Metrics of jobs deleted some other way (job_id set NULL), older than $1 ms. */
const ORPHANS = `job_id IS NULL AND recorded_at < now() - make_interval(secs => $1::float8 / 1000)`;
const DELETE_ORPHANS = `
  WITH gone AS (
    DELETE FROM job_metrics WHERE id IN (
      SELECT id FROM job_metrics WHERE ${ORPHANS} LIMIT $2 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
  SELECT count(*)::int AS n FROM gone`;

interface Counts {
  jobs: number;
  metrics: number;
}

/**
 * Deletes finished jobs older than their status's retention (settings.retentionMs, or the
 * payload's olderThanDays), in batches of settings.cleanupBatchSize. Pending and processing
 * jobs, and failed jobs with a retry pending, are never touched. Uses the database's clock.
 */
async function deleteExpiredJobs(
  payload: CleanupPayload,
  ctx: HandlerContext,
): Promise<CleanupResult> {
  const { sql, settings } = ctx.services;
  const retention = retentionFor(payload, settings.retentionMs);
  const orphanAgeMs = Math.max(...STATUSES.map((s) => retention[s]));
  const batchSize = settings.cleanupBatchSize;
  const dryRun = payload.dryRun ?? false;
  const user = payload.allUsers === true ? null : ctx.userId;

  const expected = new Map<FinishedStatus, Counts>();
  for (const status of STATUSES) {
    const [row] = await sql.query<Counts>(COUNT_EXPIRED, [status, retention[status], user]);
    expected.set(status, row);
  }
  // metrics without a job belong to nobody: only a clean-up of every user's jobs removes them
  const [orphans] =
    user === null
      ? await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM job_metrics WHERE ${ORPHANS}`,
          [orphanAgeMs],
        )
      : [{ n: 0 }];

  if (dryRun) {
    const result: CleanupResult = {
      deleted: { completed: 0, failed: 0, cancelled: 0 },
      metricsDeleted: orphans.n,
      batches: Math.ceil(orphans.n / batchSize),
      dryRun,
    };
    for (const [status, counts] of expected) {
      result.deleted[status] = counts.jobs;
      result.metricsDeleted += counts.metrics;
      result.batches += Math.ceil(counts.jobs / batchSize);
    }
    ctx.progress(100);
    ctx.log('info', `dry run: ${describe(result)}`);
    return result;
  }

  const total = [...expected.values()].reduce((sum, c) => sum + c.jobs, orphans.n);
  const result: CleanupResult = {
    deleted: { completed: 0, failed: 0, cancelled: 0 },
    metricsDeleted: 0,
    batches: 0,
    dryRun,
  };
  let done = 0;
  const afterBatch = (rows: number): void => {
    result.batches++;
    done += rows;
    ctx.progress(Math.min(99, Math.floor((done / Math.max(total, 1)) * 100)));
  };
  for (const status of STATUSES) {
    await inBatches(ctx, batchSize, async () => {
      const [gone] = await sql.query<Counts>(DELETE_BATCH, [
        status,
        retention[status],
        user,
        batchSize,
      ]);
      result.deleted[status] += gone.jobs;
      result.metricsDeleted += gone.metrics;
      if (gone.jobs > 0) afterBatch(gone.jobs);
      return gone.jobs;
    });
  }
  await inBatches(ctx, batchSize, async () => {
    if (user !== null) return 0;
    const [gone] = await sql.query<{ n: number }>(DELETE_ORPHANS, [orphanAgeMs, batchSize]);
    result.metricsDeleted += gone.n;
    if (gone.n > 0) afterBatch(gone.n);
    return gone.n;
  });
  ctx.progress(100);
  ctx.log('info', describe(result));
  return result;
}

/** Runs `batch` until it returns fewer rows than a full batch, checking for abort between. */
async function inBatches(
  ctx: HandlerContext,
  batchSize: number,
  batch: () => Promise<number>,
): Promise<void> {
  for (;;) {
    if (ctx.signal.aborted) {
      throw new Error(`cleanup-jobs aborted: ${String(ctx.signal.reason)}`);
    }
    if ((await batch()) < batchSize) return;
  }
}

function retentionFor(
  payload: CleanupPayload,
  configured: Readonly<Record<FinishedStatus, number>>,
): Record<FinishedStatus, number> {
  const retention = { ...configured };
  for (const status of STATUSES) {
    const days = payload.olderThanDays?.[status];
    if (days !== undefined) retention[status] = days * DAY_MS;
  }
  return retention;
}

function describe(r: CleanupResult): string {
  return (
    `deleted ${r.deleted.completed} completed, ${r.deleted.failed} failed, ` +
    `${r.deleted.cancelled} cancelled jobs and ${r.metricsDeleted} metrics in ${r.batches} batches`
  );
}

export const cleanupJobs: HandlerDefinition<CleanupPayload, CleanupResult> = {
  type: 'cleanup-jobs',
  description:
    "Deletes finished jobs older than their retention (yours; every user's with allUsers, admins only)",
  payload: CleanupPayload,
  run: deleteExpiredJobs,
  timeoutMs: 900_000,
  concurrency: 1,
  adminOnly: (payload) => (payload.allUsers === true ? 'payload.allUsers' : null),
};
