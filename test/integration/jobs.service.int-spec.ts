import { JobStatus } from '@app/database';
import {
  IllegalTransitionError,
  JobNotFoundError,
  RetriesExhaustedError,
  StaleAttemptError,
  type Job,
  type JobsService,
} from '@app/jobs';
import { createJobsFixture, type JobsFixture } from '../support/jobs-fixture';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe('JobsService (the Job model) on PostgreSQL', () => {
  let fx: JobsFixture;
  let jobs: JobsService;

  beforeAll(async () => {
    fx = await createJobsFixture();
    jobs = fx.jobs;
  });
  afterAll(() => fx.close());

  const newJob = (overrides: Partial<Parameters<JobsService['create']>[0]> = {}): Promise<Job> =>
    jobs.create({ userId: 'alice', jobType: 'noop', payload: { n: 1 }, ...overrides });

  const failedJob = async (retryDelayMs: number | null = null): Promise<Job> => {
    const job = await newJob();
    const claimed = await jobs.claim(job.id);
    return jobs.fail(job.id, claimed.attempt, { errorMessage: 'boom', retryDelayMs });
  };

  describe('create', () => {
    it('stores a pending job with its payload, defaults and no timestamps but created_at', async () => {
      const job = await newJob({ payload: { episodeId: 'e1', nested: { list: [1, 2] } } });
      expect(job).toMatchObject({
        userId: 'alice',
        jobType: 'noop',
        status: JobStatus.Pending,
        payload: { episodeId: 'e1', nested: { list: [1, 2] } },
        results: null,
        retryCount: 0,
        maxRetries: 3,
        progress: 0,
        attempt: 0,
        startedAt: null,
        completedAt: null,
        nextRetryAt: null,
      });
      expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(job.createdAt).toBeInstanceOf(Date);
    });

    it('takes max_retries from the job when given, else from MAX_JOB_RETRIES', async () => {
      expect((await newJob({ maxRetries: 0 })).maxRetries).toBe(0);
      expect((await newJob()).maxRetries).toBe(3);
    });

    it('refuses a second job with the same idempotency key for the same user only', async () => {
      await newJob({ idempotencyKey: 'k-1' });
      await expect(newJob({ idempotencyKey: 'k-1' })).rejects.toThrow(
        /uq_jobs_user_idempotency_key/,
      );
      await expect(newJob({ userId: 'bob', idempotencyKey: 'k-1' })).resolves.toMatchObject({
        userId: 'bob',
      });
    });

    it('links a child job to its parent', async () => {
      const parent = await newJob();
      const child = await newJob({ parentId: parent.id });
      expect(child.parentId).toBe(parent.id);
    });

    it('joins the caller’s transaction, so a rollback leaves no job behind', async () => {
      let id = '';
      await expect(
        fx.db.dataSource.transaction(async (m) => {
          id = (await jobs.create({ userId: 'alice', jobType: 'noop', payload: {} }, m)).id;
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await expect(jobs.getById(id)).rejects.toBeInstanceOf(JobNotFoundError);
    });
  });

  describe('getById', () => {
    it('returns the whole job', async () => {
      const job = await newJob();
      expect(await jobs.getById(job.id)).toEqual(job);
    });

    it('throws JobNotFoundError with the id for an unknown job', async () => {
      await expect(jobs.getById(MISSING_ID)).rejects.toMatchObject({
        code: 'JOB_NOT_FOUND',
        details: { jobId: MISSING_ID },
      });
    });
  });

  describe('getByUserId', () => {
    const user = 'lister';
    beforeAll(async () => {
      for (let i = 0; i < 25; i++) {
        const job = await jobs.create({
          userId: user,
          jobType: i % 5 === 0 ? 'export' : 'noop',
          payload: { i },
        });
        if (i % 3 === 0) await jobs.claim(job.id);
      }
      await jobs.create({ userId: 'someone-else', jobType: 'noop', payload: {} });
    });

    it('pages a user’s jobs newest first with the total', async () => {
      const first = await jobs.getByUserId(user, { page: 1, limit: 10 });
      const third = await jobs.getByUserId(user, { page: 3, limit: 10 });
      expect(first.total).toBe(25);
      expect(first.items).toHaveLength(10);
      expect(third.items).toHaveLength(5);
      expect(first.items.map((j) => (j.payload as { i: number }).i)).toEqual([
        24, 23, 22, 21, 20, 19, 18, 17, 16, 15,
      ]);
      expect(first.items.every((j) => j.userId === user)).toBe(true);
    });

    it('filters by status and job type, and counts the filtered total', async () => {
      const processing = await jobs.getByUserId(user, {
        status: [JobStatus.Processing],
        page: 1,
        limit: 100,
      });
      expect(processing.total).toBe(9);
      expect(processing.items.every((j) => j.status === JobStatus.Processing)).toBe(true);
      const exports = await jobs.getByUserId(user, { jobType: 'export', page: 1, limit: 100 });
      expect(exports.total).toBe(5);
      const both = await jobs.getByUserId(user, {
        status: [JobStatus.Pending, JobStatus.Processing],
        jobType: 'export',
        page: 1,
        limit: 100,
      });
      expect(both.total).toBe(5);
    });

    it('returns an empty page past the end, with the real total', async () => {
      expect(await jobs.getByUserId(user, { page: 9, limit: 10 })).toMatchObject({
        items: [],
        total: 25,
      });
    });

    it('lists every user’s jobs when no user is given (admins)', async () => {
      const all = await jobs.getByUserId(null, { page: 1, limit: 1 });
      expect(all.total).toBeGreaterThanOrEqual(26);
    });
  });

  describe('transitions', () => {
    it('claim: pending → processing, sets started_at and heartbeat, and increments attempt', async () => {
      const job = await newJob();
      const claimed = await jobs.claim(job.id);
      expect(claimed).toMatchObject({ status: JobStatus.Processing, attempt: 1 });
      expect(claimed.startedAt).toBeInstanceOf(Date);
      expect(claimed.heartbeatAt).toBeInstanceOf(Date);
    });

    it('claim of a job that is already processing is an illegal transition and changes nothing', async () => {
      const job = await newJob();
      await jobs.claim(job.id);
      await expect(jobs.claim(job.id)).rejects.toBeInstanceOf(IllegalTransitionError);
      expect((await jobs.getById(job.id)).attempt).toBe(1);
    });

    it('complete: processing → completed with results, completed_at and progress 100', async () => {
      const job = await newJob();
      const { attempt } = await jobs.claim(job.id);
      const done = await jobs.complete(job.id, attempt, { thumbnails: ['a.jpg'] });
      expect(done).toMatchObject({
        status: JobStatus.Completed,
        results: { thumbnails: ['a.jpg'] },
        progress: 100,
      });
      expect(done.completedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
    });

    it('complete twice: the second is refused, so a job never records two completions', async () => {
      const job = await newJob();
      const { attempt } = await jobs.claim(job.id);
      await jobs.complete(job.id, attempt, { n: 1 });
      await expect(jobs.complete(job.id, attempt, { n: 2 })).rejects.toMatchObject({
        code: 'JOB_ILLEGAL_TRANSITION',
        details: { from: JobStatus.Completed, to: JobStatus.Completed },
      });
      expect((await jobs.getById(job.id)).results).toEqual({ n: 1 });
    });

    it('a stale attempt cannot complete or fail a job that was claimed again', async () => {
      const job = await failedJob(0);
      await jobs.retry(job.id, 3);
      const second = await jobs.claim(job.id);
      expect(second.attempt).toBe(2);
      await expect(jobs.complete(job.id, 1, { stale: true })).rejects.toBeInstanceOf(
        StaleAttemptError,
      );
      await expect(
        jobs.fail(job.id, 1, { errorMessage: 'stale', retryDelayMs: null }),
      ).rejects.toBeInstanceOf(StaleAttemptError);
      expect(await jobs.getById(job.id)).toMatchObject({
        status: JobStatus.Processing,
        results: null,
      });
    });

    it('fail: processing → failed with the error message, the retry due by the database clock', async () => {
      const failed = await failedJob(60_000);
      const [{ due }] = await fx.db.dataSource.query<{ due: number }[]>(
        `SELECT extract(epoch FROM next_retry_at - completed_at) * 1000 AS due FROM jobs WHERE id = $1`,
        [failed.id],
      );
      expect(failed).toMatchObject({ status: JobStatus.Failed, errorMessage: 'boom' });
      expect(Number(due)).toBe(60_000);
    });

    it('retry: failed → pending, counts the retry and clears the run timestamps', async () => {
      const failed = await failedJob(0);
      const retried = await jobs.retry(failed.id, 3);
      expect(retried).toMatchObject({
        status: JobStatus.Pending,
        retryCount: 1,
        nextRetryAt: null,
        startedAt: null,
        completedAt: null,
        errorMessage: 'boom',
      });
    });

    it('retry stops at maxRetries (and at the job’s own limit) with RetriesExhaustedError', async () => {
      const job = await newJob({ maxRetries: 1 });
      let { attempt } = await jobs.claim(job.id);
      await jobs.fail(job.id, attempt, { errorMessage: 'x', retryDelayMs: 0 });
      await jobs.retry(job.id, 5);
      ({ attempt } = await jobs.claim(job.id));
      await jobs.fail(job.id, attempt, { errorMessage: 'x', retryDelayMs: null });
      await expect(jobs.retry(job.id, 5)).rejects.toBeInstanceOf(RetriesExhaustedError);

      const other = await failedJob();
      await expect(jobs.retry(other.id, 0)).rejects.toMatchObject({
        code: 'JOB_RETRIES_EXHAUSTED',
      });
    });

    it('retry of a job that is not failed is an illegal transition', async () => {
      const job = await newJob();
      await expect(jobs.retry(job.id, 3)).rejects.toMatchObject({
        code: 'JOB_ILLEGAL_TRANSITION',
        details: { from: JobStatus.Pending, to: JobStatus.Pending },
      });
    });

    it('cancel of a pending job cancels it at once', async () => {
      const job = await newJob();
      const cancelled = await jobs.cancel(job.id);
      expect(cancelled.status).toBe(JobStatus.Cancelled);
      expect(cancelled.completedAt).toBeInstanceOf(Date);
      await expect(jobs.claim(job.id)).rejects.toBeInstanceOf(IllegalTransitionError);
    });

    it('cancel of a processing job requests cancellation; the worker then confirms it', async () => {
      const job = await newJob();
      await jobs.claim(job.id);
      const requested = await jobs.cancel(job.id);
      expect(requested.status).toBe(JobStatus.Processing);
      expect(requested.cancelRequestedAt).toBeInstanceOf(Date);
      const confirmed = await jobs.confirmCancelled(job.id, requested.attempt);
      expect(confirmed).toMatchObject({ status: JobStatus.Cancelled });
      expect(confirmed.completedAt).toBeInstanceOf(Date);
    });

    it('a processing job cannot be confirmed cancelled unless cancellation was requested', async () => {
      const job = await newJob();
      const { attempt } = await jobs.claim(job.id);
      await expect(jobs.confirmCancelled(job.id, attempt)).rejects.toBeInstanceOf(
        IllegalTransitionError,
      );
    });

    it('cancel of a failed job waiting for its retry cancels it; without a retry it is refused', async () => {
      expect((await jobs.cancel((await failedJob(60_000)).id)).status).toBe(JobStatus.Cancelled);
      await expect(jobs.cancel((await failedJob(null)).id)).rejects.toBeInstanceOf(
        IllegalTransitionError,
      );
    });

    it.each([JobStatus.Completed, JobStatus.Cancelled])(
      'cancel of a %s job is refused and changes nothing',
      async (status) => {
        const job = await newJob();
        if (status === JobStatus.Completed) {
          const { attempt } = await jobs.claim(job.id);
          await jobs.complete(job.id, attempt, {});
        } else {
          await jobs.cancel(job.id);
        }
        const before = await jobs.getById(job.id);
        await expect(jobs.cancel(job.id)).rejects.toMatchObject({
          code: 'JOB_ILLEGAL_TRANSITION',
          details: { from: status },
        });
        expect(await jobs.getById(job.id)).toEqual(before);
      },
    );

    it('every transition of an unknown job is JobNotFoundError', async () => {
      await expect(jobs.claim(MISSING_ID)).rejects.toBeInstanceOf(JobNotFoundError);
      await expect(jobs.cancel(MISSING_ID)).rejects.toBeInstanceOf(JobNotFoundError);
      await expect(jobs.retry(MISSING_ID, 3)).rejects.toBeInstanceOf(JobNotFoundError);
      await expect(jobs.complete(MISSING_ID, 1, {})).rejects.toBeInstanceOf(JobNotFoundError);
    });
  });

  describe('updateStatus', () => {
    it('walks pending → processing → completed through the owning transitions', async () => {
      const job = await newJob();
      expect((await jobs.updateStatus(job.id, JobStatus.Processing)).startedAt).toBeInstanceOf(
        Date,
      );
      const done = await jobs.updateStatus(job.id, JobStatus.Completed, { results: { ok: true } });
      expect(done).toMatchObject({ status: JobStatus.Completed, results: { ok: true } });
    });

    it('walks processing → failed → pending (retry) → cancelled', async () => {
      const job = await newJob();
      await jobs.updateStatus(job.id, JobStatus.Processing);
      const failed = await jobs.updateStatus(job.id, JobStatus.Failed, {
        failure: { errorMessage: 'nope', retryDelayMs: 0 },
      });
      expect(failed.errorMessage).toBe('nope');
      expect((await jobs.updateStatus(job.id, JobStatus.Pending)).retryCount).toBe(1);
      expect((await jobs.updateStatus(job.id, JobStatus.Cancelled)).status).toBe(
        JobStatus.Cancelled,
      );
    });

    it('refuses pending → completed', async () => {
      const job = await newJob();
      await expect(
        jobs.updateStatus(job.id, JobStatus.Completed, { results: {} }),
      ).rejects.toBeInstanceOf(IllegalTransitionError);
      expect((await jobs.getById(job.id)).status).toBe(JobStatus.Pending);
    });
  });

  describe('heartbeat', () => {
    it('records progress for the current attempt only', async () => {
      const job = await newJob();
      const { attempt } = await jobs.claim(job.id);
      expect(await jobs.heartbeat(job.id, attempt, 45)).toBe(true);
      expect(await jobs.heartbeat(job.id, attempt + 1, 90)).toBe(false);
      expect((await jobs.getById(job.id)).progress).toBe(45);
    });
  });

  describe('races on one job (real concurrent connections)', () => {
    it('20 concurrent claims: exactly one wins, the rest are refused', async () => {
      const job = await newJob();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => jobs.claim(job.id)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(
        results.every(
          (r) => r.status === 'fulfilled' || r.reason instanceof IllegalTransitionError,
        ),
      ).toBe(true);
      expect((await jobs.getById(job.id)).attempt).toBe(1);
    });

    it('10 claims racing 10 cancels on a pending job: one decisive winner, never both', async () => {
      for (let round = 0; round < 5; round++) {
        const job = await newJob();
        const claims = Array.from({ length: 10 }, () => jobs.claim(job.id));
        const cancels = Array.from({ length: 10 }, () => jobs.cancel(job.id));
        const [claimResults, cancelResults] = await Promise.all([
          Promise.allSettled(claims),
          Promise.allSettled(cancels),
        ]);
        const claimed = claimResults.filter((r) => r.status === 'fulfilled').length;
        const final = await jobs.getById(job.id);
        expect(claimed).toBeLessThanOrEqual(1);
        if (claimed === 1) {
          // the claim came first: the cancels could only ask the running job to stop
          expect(final).toMatchObject({ status: JobStatus.Processing, attempt: 1 });
          expect(final.cancelRequestedAt).toBeInstanceOf(Date);
        } else {
          expect(final).toMatchObject({ status: JobStatus.Cancelled, attempt: 0 });
        }
        expect(cancelResults.some((r) => r.status === 'fulfilled')).toBe(true);
      }
    });

    it('20 concurrent completions of one attempt: exactly one is recorded', async () => {
      const job = await newJob();
      const { attempt } = await jobs.claim(job.id);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => jobs.complete(job.id, attempt, { winner: i })),
      );
      const winners = results.filter(
        (r): r is PromiseFulfilledResult<Job> => r.status === 'fulfilled',
      );
      expect(winners).toHaveLength(1);
      expect((await jobs.getById(job.id)).results).toEqual(winners[0].value.results);
    });

    it('20 concurrent retries of a failed job re-queue it once', async () => {
      const job = await failedJob(0);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => jobs.retry(job.id, 3)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await jobs.getById(job.id)).retryCount).toBe(1);
    });
  });
});
