import { type ApiFixture, bearer, body, createApiFixture } from '../e2e/support/api-fixture';
import { logsDuring } from './support/captured-logs';

interface Logs {
  data: { logs: { level: string; message: string; source: string }[] };
}

/** The audit lines of a log capture: `{ actor, action, targets }`. */
function auditLines(
  logs: string,
): { actor: string; action: string; targets: { jobId: string }[] }[] {
  return logs
    .split('\n')
    .filter((line) => line.includes('"audit"'))
    .map((line) => (JSON.parse(line) as { audit: ReturnType<typeof auditLines>[number] }).audit);
}

describe('security: admin actions on other users’ jobs leave an audit trail', () => {
  let fx: ApiFixture;
  let admin: Record<string, string>;
  let owner: Record<string, string>;

  beforeAll(async () => {
    fx = await createApiFixture({ overrides: { log: { level: 'info' } } });
    admin = bearer(fx.token('ops', 'admin'));
    owner = bearer(fx.token('alice'));
  });
  afterAll(() => fx.close());

  const jobLogs = async (id: string) =>
    body<Logs>(await fx.http().get(`/api/v1/jobs/${id}/logs`).set(owner).expect(200)).data.logs;

  it('an admin cancelling a user’s job: an audit line, and a line in the job’s logs its owner reads', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'x' } }]);
    const logs = await logsDuring(() =>
      fx.http().put(`/api/v1/jobs/${job.id}/cancel`).set(admin).expect(200),
    );
    expect(auditLines(logs)).toEqual([
      { actor: 'ops', action: 'job.cancel', targets: [{ jobId: job.id, owner: 'alice' }] },
    ]);
    expect(await jobLogs(job.id)).toContainEqual(
      expect.objectContaining({ source: 'api', message: 'job.cancel by ops (admin)' }),
    );
  });

  it('an admin retrying a user’s job and re-driving dead ones: audited, in each job’s logs', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'x' } }]);
    // dead: failed for good (no worker here: a started worker would take over Nest's logger)
    await fx.db.dataSource.query(
      `UPDATE jobs SET status = 'failed', attempt = 1, next_retry_at = NULL, error_message = 'boom' WHERE id = $1`,
      [job.id],
    );
    const logs = await logsDuring(() =>
      fx
        .http()
        .post('/api/v1/jobs/dlq/redrive')
        .set(admin)
        .send({ jobIds: [job.id] })
        .expect(202),
    );
    expect(auditLines(logs)).toEqual([
      { actor: 'ops', action: 'dlq.redrive', targets: [{ jobId: job.id }] },
    ]);
    await fx.db.dataSource.query(`UPDATE jobs SET status = 'cancelled' WHERE id = $1`, [job.id]);
    const retried = await logsDuring(() =>
      fx.http().post(`/api/v1/jobs/${job.id}/retry`).set(admin).expect(202),
    );
    expect(auditLines(retried).map((a) => a.action)).toEqual(['job.retry']);
    const messages = (await jobLogs(job.id))
      .filter((l) => l.source === 'api')
      .map((l) => l.message);
    expect(messages).toEqual(['dlq.redrive by ops (admin)', 'job.retry by ops (admin)']);
  });

  it('an admin reading a user’s job is audited in the api’s log', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'x' } }]);
    const logs = await logsDuring(async () => {
      await fx.http().get(`/api/v1/jobs/${job.id}`).set(admin).expect(200);
      await fx.http().get(`/api/v1/jobs/${job.id}/logs`).set(admin).expect(200);
    });
    expect(auditLines(logs).map((a) => [a.actor, a.action])).toEqual([
      ['ops', 'job.read'],
      ['ops', 'job.logs.read'],
    ]);
  });

  it('a user acting on their own job is not audited', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'x' } }]);
    const logs = await logsDuring(() =>
      fx.http().put(`/api/v1/jobs/${job.id}/cancel`).set(owner).expect(200),
    );
    expect(auditLines(logs)).toEqual([]);
    expect((await jobLogs(job.id)).filter((l) => l.source === 'api')).toEqual([]);
  });
});
