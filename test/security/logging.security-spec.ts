import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { type ApiFixture, bearer, createApiFixture } from '../e2e/support/api-fixture';
import { logsDuring } from './support/captured-logs';

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
});
