import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
} from './support/api-fixture';

describe('rate limiting of POST requests per user', () => {
  let fx: ApiFixture;
  const create = (sub: string) =>
    fx
      .http()
      .post('/api/v1/jobs')
      .set(bearer(fx.token(sub)))
      .send({ jobType: 'echo', payload: {} });

  beforeAll(async () => {
    fx = await createApiFixture({
      overrides: { http: { rateLimitMax: 3, rateLimitWindowMs: 60_000 } },
    });
  });
  afterAll(() => fx.close());

  it('answers 429 RATE_LIMITED with Retry-After once a user exceeds RATE_LIMIT_MAX', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await create('burst')).status);
    expect(statuses).toEqual([202, 202, 202]);
    const res = await create('burst');
    expect(res.status).toBe(429);
    expect(body<ErrorBody>(res).error).toMatchObject({ code: 'RATE_LIMITED', details: [] });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(await fx.count('jobs', 'user_id = $1', ['burst'])).toBe(3);
  });

  it('counts per user: another user still gets through', async () => {
    expect((await create('calm')).status).toBe(202);
  });

  it('does not limit reads', async () => {
    for (let i = 0; i < 5; i++)
      await fx
        .http()
        .get('/api/v1/jobs')
        .set(bearer(fx.token('burst')))
        .expect(200);
  });
});
