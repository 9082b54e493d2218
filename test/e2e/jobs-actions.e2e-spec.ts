import { JobStatus } from '@app/database';
import type { CancelJobResponseDto } from '../../apps/api/src/jobs/dto/cancel-job.response.dto';
import type { JobAcceptedResponseDto } from '../../apps/api/src/jobs/dto/job-accepted.response.dto';
import type { JobDetailResponseDto } from '../../apps/api/src/jobs/dto/job-detail.response.dto';
import type { JobLogsResponseDto } from '../../apps/api/src/jobs/dto/job-logs.response.dto';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
  ISO_DATE,
  type Wire,
} from './support/api-fixture';

type Detail = Wire<JobDetailResponseDto>['data'];

/**
 * Cancel and retry. The first tests run before any worker exists, so their jobs stay pending;
 * the worker starts in the middle (see `startWorker` below) and then meets those jobs too.
 */
describe('acting on jobs: PUT /jobs/:id/cancel and POST /jobs/:id/retry', () => {
  let fx: ApiFixture;
  const as = (sub: string) => bearer(fx.token(sub));
  const create = async (payload: object, extra: object = {}) =>
    body<Wire<JobAcceptedResponseDto>>(
      await fx
        .http()
        .post('/api/v1/jobs')
        .set(as('owner'))
        .send({ jobType: 'echo', payload, ...extra })
        .expect(202),
    ).data.id;
  const cancel = (id: string, sub = 'owner') =>
    fx.http().put(`/api/v1/jobs/${id}/cancel`).set(as(sub));
  const retry = (id: string, sub = 'owner') =>
    fx.http().post(`/api/v1/jobs/${id}/retry`).set(as(sub));
  const get = async (id: string) =>
    body<Wire<JobDetailResponseDto>>(
      await fx.http().get(`/api/v1/jobs/${id}`).set(as('owner')).expect(200),
    ).data;
  const until = (id: string, done: (job: Detail) => boolean, timeoutMs?: number) =>
    eventually(() => get(id), done, timeoutMs);
  let cancelledWhilePending: string;

  beforeAll(async () => {
    fx = await createApiFixture();
  });
  afterAll(() => fx.close());

  describe('before a worker runs', () => {
    it('cancels a pending job at once: 200 with the specification’s shape', async () => {
      cancelledWhilePending = await create({ message: 'never run' });
      const res = await cancel(cancelledWhilePending);
      expect(res.status).toBe(200);
      expect(body<Wire<CancelJobResponseDto>>(res)).toEqual({
        data: { id: cancelledWhilePending, status: 'cancelled' },
      });
      const job = await get(cancelledWhilePending);
      expect(job).toMatchObject({ status: 'cancelled', cancelRequested: false, startedAt: null });
      expect(job.completedAt).toMatch(ISO_DATE);
    });

    it('refuses to cancel a job twice with 409 JOB_ILLEGAL_TRANSITION', async () => {
      const res = await cancel(cancelledWhilePending);
      expect(res.status).toBe(409);
      expect(body<ErrorBody>(res).error).toMatchObject({
        code: 'JOB_ILLEGAL_TRANSITION',
        message: expect.stringContaining('from cancelled to cancelled') as string,
      });
    });

    it('refuses to retry a pending job with 409', async () => {
      const id = await create({});
      const res = await retry(id);
      expect(res.status).toBe(409);
      expect(body<ErrorBody>(res).error.code).toBe('JOB_ILLEGAL_TRANSITION');
      expect((await get(id)).status).toBe('pending');
    });

    it('answers malformed ids with 400 naming id and unknown ones with 404', async () => {
      for (const res of [await cancel('nope'), await retry('42')]) {
        expect(res.status).toBe(400);
        expect(body<ErrorBody>(res).error.details[0].field).toBe('id');
      }
      const unknown = '0b6f2c1d-3e4f-4a5b-9c6d-7e8f9a0b1c2d';
      for (const res of [await cancel(unknown), await retry(unknown)]) {
        expect(res.status).toBe(404);
        expect(body<ErrorBody>(res).error.code).toBe('JOB_NOT_FOUND');
      }
    });
  });

  describe('with a worker running', () => {
    beforeAll(async () => {
      await fx.startWorker();
    });

    it('never runs a job that was cancelled while pending, even though its message was queued', async () => {
      const later = await create({ message: 'after' });
      await until(later, (j) => j.status === JobStatus.Completed);
      const job = await get(cancelledWhilePending);
      expect(job).toMatchObject({ status: 'cancelled', startedAt: null, results: null });
    });

    it('stops the handler of a processing job and answers 200 cancelled once it stopped (within CANCEL_WAIT_MS)', async () => {
      const id = await create({ message: 'long', delayMs: 20_000 });
      await until(id, (j) => j.status === JobStatus.Processing && j.progress > 0);
      const asked = Date.now();
      const res = await cancel(id);
      expect(res.status).toBe(200);
      expect(body<Wire<CancelJobResponseDto>>(res)).toEqual({
        data: { id, status: 'cancelled' },
      });
      expect(Date.now() - asked).toBeLessThan(3000);
      const job = await get(id);
      expect(job).toMatchObject({ results: null, cancelRequested: false });
      expect(job.progress).toBeLessThan(100);
      const logs = body<Wire<JobLogsResponseDto>>(
        await fx.http().get(`/api/v1/jobs/${id}/logs`).set(as('owner')).expect(200),
      ).data.logs.map((l) => l.message);
      expect(logs).toContain('attempt 1 stopped: the job was cancelled');
      expect(logs).not.toContain('echo: long');
    });

    it('refuses to cancel a completed job with 409 and leaves it completed', async () => {
      const id = await create({ message: 'quick' });
      await until(id, (j) => j.status === JobStatus.Completed);
      const res = await cancel(id);
      expect(res.status).toBe(409);
      expect(body<ErrorBody>(res).error.code).toBe('JOB_ILLEGAL_TRANSITION');
      expect((await get(id)).status).toBe('completed');
    });

    it('retries a job that failed for good: 202 pending, then it runs again and completes', async () => {
      const id = await create({ message: 'second time lucky', failAttempts: 1 }, { maxRetries: 0 });
      const failed = await until(id, (j) => j.status === JobStatus.Failed);
      expect(failed).toMatchObject({ retryCount: 0, maxRetries: 0, nextRetryAt: null });
      const res = await retry(id);
      expect(res.status).toBe(202);
      expect(body<Wire<JobAcceptedResponseDto>>(res).data).toEqual({
        id,
        status: 'pending',
        jobType: 'echo',
        createdAt: failed.createdAt,
      });
      const done = await until(id, (j) => j.status === JobStatus.Completed);
      expect(done).toMatchObject({
        results: { echoed: 'second time lucky', attempt: 2 },
        retryCount: 0,
        errorMessage: null,
      });
      // one message per attempt on the work queue, and the DLQ copy of the first failure
      expect(await fx.count('queue_messages', 'job_id = $1 AND reason IS NULL', [id])).toBe(2);
      expect(await fx.count('queue_messages', 'job_id = $1 AND reason IS NOT NULL', [id])).toBe(1);
    });

    it('retries a cancelled job: it runs from the start and completes', async () => {
      const res = await retry(cancelledWhilePending);
      expect(res.status).toBe(202);
      const done = await until(cancelledWhilePending, (j) => j.status === JobStatus.Completed);
      expect(done.results).toEqual({ echoed: 'never run', attempt: 1 });
    });

    it('lets an admin retry another user’s job', async () => {
      const id = await create({ failAttempts: 1 }, { maxRetries: 0 });
      await until(id, (j) => j.status === JobStatus.Failed);
      const res = await fx
        .http()
        .post(`/api/v1/jobs/${id}/retry`)
        .set(bearer(fx.token('ops', ['admin'])));
      expect(res.status).toBe(202);
      await until(id, (j) => j.status === JobStatus.Completed);
    });

    it('refuses to retry a completed job with 409', async () => {
      const id = await create({});
      await until(id, (j) => j.status === JobStatus.Completed);
      const res = await retry(id);
      expect(res.status).toBe(409);
      expect(body<ErrorBody>(res).error.message).toContain('from completed to pending');
    });
  });
});
