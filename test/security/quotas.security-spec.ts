import type { JobAcceptedResponseDto } from '../../apps/api/src/jobs/dto/job-accepted.response.dto';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  type Wire,
} from '../e2e/support/api-fixture';

const echo = (message = 'hi') => ({ jobType: 'echo', payload: { message } });

describe('security: one user cannot flood the queue', () => {
  describe('unfinished jobs per user (QUOTA_UNFINISHED_JOBS=3)', () => {
    let fx: ApiFixture;
    beforeAll(async () => {
      fx = await createApiFixture({ overrides: { http: { maxUnfinishedJobs: 3 } } });
    });
    afterAll(() => fx.close());

    const as = (sub: string, roles: string[] = []) => bearer(fx.token(sub, roles));
    const create = (sub: string, roles: string[] = []) =>
      fx.http().post('/api/v1/jobs').set(as(sub, roles)).send(echo());
    const unfinished = (sub: string) =>
      fx.count('jobs', `user_id = $1 AND status IN ('pending', 'processing')`, [sub]);

    it('refuses the job past the cap with 429 QUOTA_EXCEEDED naming the limit, writing nothing', async () => {
      for (let i = 0; i < 3; i++) expect((await create('alice')).status).toBe(202);
      const res = await create('alice');
      expect(res.status).toBe(429);
      expect(body<ErrorBody>(res).error).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        message: expect.stringMatching(
          /at most 3 unfinished jobs .*QUOTA_UNFINISHED_JOBS/,
        ) as string,
      });
      expect(await unfinished('alice')).toBe(3);
      expect(await fx.count('queue_messages')).toBe(3);
    });

    it('refuses a batch that does not fit as a whole, and a new Idempotency-Key past the cap', async () => {
      const batch = await fx
        .http()
        .post('/api/v1/jobs/batch')
        .set(as('bob'))
        .send({ jobs: [echo('1'), echo('2'), echo('3'), echo('4')] });
      expect(batch.status).toBe(429);
      expect(body<ErrorBody>(batch).error.code).toBe('QUOTA_EXCEEDED');
      expect(await unfinished('bob')).toBe(0);
      for (let i = 0; i < 3; i++)
        await fx
          .http()
          .post('/api/v1/jobs')
          .set(as('bob'))
          .set('Idempotency-Key', `k${i}`)
          .send(echo())
          .expect(202);
      const fourth = await fx
        .http()
        .post('/api/v1/jobs')
        .set(as('bob'))
        .set('Idempotency-Key', 'k3')
        .send(echo());
      expect(fourth.status).toBe(429);
      // a replay creates nothing, so the cap does not stand in its way
      await fx
        .http()
        .post('/api/v1/jobs')
        .set(as('bob'))
        .set('Idempotency-Key', 'k0')
        .send(echo())
        .expect(202);
      expect(await unfinished('bob')).toBe(3);
    });

    it('counts only unfinished jobs: a cancelled one frees its place; a retry needs one', async () => {
      await fx.http().post('/api/v1/jobs').set(as('carol')).send(echo()).expect(202);
      await fx.http().post('/api/v1/jobs').set(as('carol')).send(echo()).expect(202);
      const third = body<Wire<JobAcceptedResponseDto>>(await create('carol').expect(202)).data.id;
      await fx.http().put(`/api/v1/jobs/${third}/cancel`).set(as('carol')).expect(200);
      expect((await create('carol')).status).toBe(202);
      const retry = await fx.http().post(`/api/v1/jobs/${third}/retry`).set(as('carol'));
      expect(retry.status).toBe(429);
      expect(await unfinished('carol')).toBe(3);
    });

    it('exempts admins', async () => {
      for (let i = 0; i < 4; i++) expect((await create('ops', ['admin'])).status).toBe(202);
    });
  });

  describe('the rate limit charges a batch by its jobs (RATE_LIMIT_MAX=10)', () => {
    let fx: ApiFixture;
    beforeAll(async () => {
      fx = await createApiFixture({ overrides: { http: { rateLimitMax: 10 } } });
    });
    afterAll(() => fx.close());

    const batchOf = (sub: string, n: number) =>
      fx
        .http()
        .post('/api/v1/jobs/batch')
        .set(bearer(fx.token(sub)))
        .send({ jobs: Array.from({ length: n }, (_, i) => echo(String(i))) });

    it('refuses a batch larger than the whole budget, writing nothing', async () => {
      const res = await batchOf('dave', 11);
      expect(res.status).toBe(429);
      expect(body<ErrorBody>(res).error).toMatchObject({
        code: 'RATE_LIMITED',
        message: expect.stringContaining('counts 11 against a limit of 10') as string,
      });
      expect(await fx.count('jobs', 'user_id = $1', ['dave'])).toBe(0);
    });

    it('draws batches and single creations from one budget, refusing what no longer fits', async () => {
      expect((await batchOf('erin', 6)).status).toBe(202);
      const tooMany = await batchOf('erin', 5);
      expect(tooMany.status).toBe(429);
      expect(Number(tooMany.headers['retry-after'])).toBeGreaterThan(0);
      // the refused batch was not charged: 4 are left, for any POST route
      expect((await batchOf('erin', 3)).status).toBe(202);
      await fx
        .http()
        .post('/api/v1/jobs')
        .set(bearer(fx.token('erin')))
        .send(echo())
        .expect(202);
      expect((await batchOf('erin', 1)).status).toBe(429);
      expect(await fx.count('jobs', 'user_id = $1', ['erin'])).toBe(10);
    });
  });
});
