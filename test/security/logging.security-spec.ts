import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { type ApiFixture, bearer, createApiFixture } from '../e2e/support/api-fixture';
import { logsDuring } from './support/captured-logs';
import { jsonLines } from './support/log-lines';

const SECRET = 'sk_live_do-not-log-me-0123456789';

describe('security: logs never hold query parameters, bodies or tokens', () => {
  let fx: ApiFixture;
  let db: DataSource;

  beforeAll(async () => {
    fx = await createApiFixture({ overrides: { log: { level: 'info' } } });
    db = fx.app.get(DataSource);
  });
  afterAll(() => fx.close());

  it('logs a failed query with its error and text, without the row or parameters it carried', async () => {
    const logs = await logsDuring(() =>
      db
        .query(
          `INSERT INTO jobs (id, job_type, payload, user_id) VALUES ($1, 'echo', $2::jsonb, NULL)`,
          [randomUUID(), JSON.stringify({ apiKey: SECRET })],
        )
        .catch(() => undefined),
    );
    expect(logs).toContain('query failed');
    expect(logs).toContain('INSERT INTO jobs');
    expect(logs).toContain('23502'); // not_null_violation, named by its SQLSTATE
    expect(logs).not.toContain(SECRET);
  });

  it('keeps the value out of a data exception that quotes it', async () => {
    const logs = await logsDuring(() =>
      db.query(`SELECT $1::uuid`, [SECRET]).catch(() => undefined),
    );
    expect(logs).toContain('invalid input syntax for type uuid');
    expect(logs).not.toContain(SECRET);
  });

  it('logs a request by method, url and status, without its body or Authorization header', async () => {
    const token = fx.token('logging-user');
    const logs = await logsDuring(() =>
      fx
        .http()
        .post('/api/v1/jobs')
        .set(bearer(token))
        .send({ jobType: 'echo', payload: { message: SECRET } })
        .expect(202),
    );
    expect(logs).toMatch(/"method":"POST","url":"\/api\/v1\/jobs"/);
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split('.')[2]); // not even the signature
  });

  it('logs a fresh id instead of an X-Request-Id that forges a field or smuggles a value', async () => {
    const forged = [`x","admin":true,"k":"${SECRET}`, `${SECRET}\t{"level":60}`, SECRET.repeat(5)];
    const logs = await logsDuring(async () => {
      for (const id of forged)
        await fx.http().get('/api/v1/jobs').set('X-Request-Id', id).expect(401);
    });
    expect(logs).not.toContain(SECRET);
    const completed = jsonLines(logs).filter((l) => l.msg === 'request completed');
    expect(completed).toHaveLength(3);
    for (const line of completed) expect(line.reqId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
