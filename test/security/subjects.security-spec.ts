import type { CleanupResult } from '@app/handlers';
import { JobStatus } from '@app/database';
import type { JobAcceptedResponseDto } from '../../apps/api/src/jobs/dto/job-accepted.response.dto';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
  type Wire,
} from '../e2e/support/api-fixture';

const cleanup = (payload: object) => ({ jobType: 'cleanup-jobs', payload });
const EVERYTHING_OLD = { olderThanDays: { completed: 0, failed: 0, cancelled: 0 } };

describe('security: no subject is magic; cleaning every user’s jobs needs the admin role', () => {
  let fx: ApiFixture;
  let bobsJob: string;

  beforeAll(async () => {
    fx = await createApiFixture();
    const [row] = await fx.db.dataSource.query<{ id: string }[]>(
      `INSERT INTO jobs (user_id, job_type, payload, status, created_at, completed_at)
       VALUES ('bob', 'echo', '{"message":"bob''s"}', 'completed', now() - interval '40 days', now() - interval '39 days')
       RETURNING id`,
    );
    bobsJob = row.id;
  });
  afterAll(() => fx.close());

  const submit = (sub: string, roles: string[], job: object) =>
    fx
      .http()
      .post('/api/v1/jobs')
      .set(bearer(fx.token(sub, roles)))
      .send(job);
  const idOf = (res: { body: unknown }) => body<Wire<JobAcceptedResponseDto>>(res).data.id;
  const resultOf = async (id: string) =>
    (await fx.waitFor(id, (j) => j.status === JobStatus.Completed)).results as CleanupResult;
  const bobsJobExists = async () => (await fx.count('jobs', 'id = $1', [bobsJob])) === 1;
  const cleanupJobs = () => fx.count('jobs', `job_type = 'cleanup-jobs'`);

  describe('before any worker runs', () => {
    it.each([
      ['POST /jobs', '/api/v1/jobs', cleanup({ allUsers: true }), 'payload.allUsers'],
      [
        'POST /jobs/batch',
        '/api/v1/jobs/batch',
        { jobs: [cleanup({ allUsers: true, dryRun: true })] },
        'jobs.0.payload.allUsers',
      ],
    ])(
      '%s: a user (even one called system) asking for every user’s jobs gets 403 naming %s',
      async (_route, path, request, field) => {
        for (const sub of ['mallory', 'system']) {
          const res = await fx
            .http()
            .post(path)
            .set(bearer(fx.token(sub)))
            .send(request);
          expect(res.status).toBe(403);
          expect(body<ErrorBody>(res).error).toEqual({
            code: 'FORBIDDEN',
            message: `${field}: this needs the admin role`,
            details: [],
          });
        }
        expect(await cleanupJobs()).toBe(0);
      },
    );

    it('the owner of an admin’s all-users clean-up cannot run it again without the role', async () => {
      const id = idOf(
        await submit('ops', ['admin'], cleanup({ allUsers: true, dryRun: true })).expect(202),
      );
      await fx
        .http()
        .put(`/api/v1/jobs/${id}/cancel`)
        .set(bearer(fx.token('ops', ['admin'])));
      const retried = await fx
        .http()
        .post(`/api/v1/jobs/${id}/retry`)
        .set(bearer(fx.token('ops')));
      expect(retried.status).toBe(403);
      expect((await fx.jobs.getById(id)).status).toBe(JobStatus.Cancelled);
    });
  });

  describe('with a worker', () => {
    beforeAll(async () => {
      await fx.startWorker();
    });

    it('a plain token with sub "system" cleans only its own jobs: another user’s are not even counted', async () => {
      const res = await submit('system', [], cleanup({ dryRun: true, ...EVERYTHING_OLD })).expect(
        202,
      );
      const result = await resultOf(idOf(res));
      expect(result.deleted).toEqual({ completed: 0, failed: 0, cancelled: 0 });
      expect(await bobsJobExists()).toBe(true);
    });

    it('an admin may ask for every user’s jobs', async () => {
      const res = await submit(
        'ops',
        ['admin'],
        cleanup({ allUsers: true, dryRun: true, ...EVERYTHING_OLD }),
      ).expect(202);
      const result = await resultOf(idOf(res));
      expect(result.deleted.completed).toBeGreaterThanOrEqual(1);
      expect(await bobsJobExists()).toBe(true);
    });

    it('the built-in schedule still cleans every user’s jobs', async () => {
      await fx.startWorker({ cleanup: { cron: '17 3 * * *' } });
      // the seeded system schedule, made due now instead of at 03:17
      await fx.db.dataSource.query(
        `UPDATE schedules SET next_run_at = now(), due_at = now() WHERE user_id = 'system' AND name = 'cleanup'`,
      );
      const [{ id }] = await eventually(
        () =>
          fx.db.dataSource.query<{ id: string }[]>(
            `SELECT id FROM jobs WHERE job_type = 'cleanup-jobs' AND idempotency_key LIKE 'schedule:%'`,
          ),
        (rows) => rows.length === 1,
      );
      const job = await fx.jobs.getById(id);
      expect(job.userId).toBe('system');
      expect(job.payload).toEqual({ allUsers: true });
      const result = await resultOf(job.id);
      expect(result.deleted.completed).toBeGreaterThanOrEqual(1);
      expect(await bobsJobExists()).toBe(false);
    });
  });
});
