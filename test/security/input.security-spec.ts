import { Logger } from '@nestjs/common';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  signToken,
} from '../e2e/support/api-fixture';

/** `{"a":{"a":…"leaf"…}}`, `levels` objects deep. */
const nested = (levels: number): string => `${'{"a":'.repeat(levels)}"leaf"${'}'.repeat(levels)}`;

describe('security: input PostgreSQL cannot store, or that would make it work hard, is a 400 naming the field', () => {
  let fx: ApiFixture;
  let errors: jest.SpyInstance;

  beforeAll(async () => {
    fx = await createApiFixture();
  });
  afterAll(() => fx.close());
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error');
  });
  afterEach(async () => {
    // nothing reached the database and failed there (its error would be logged with parameters)
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
    expect(await fx.count('jobs')).toBe(0);
    expect(await fx.count('queue_messages')).toBe(0);
  });

  const asAlice = () => bearer(fx.token('alice'));
  const expectRefused = (res: { status: number; body: unknown }, field: string) => {
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field, message: expect.stringContaining(field) as string }],
    });
  };

  it.each([
    ['a NUL in a payload value', { note: 'a\u0000b' }, 'payload.note'],
    ['a NUL in a payload key', { 'n\u0000': 1 }, 'payload.n\u0000'],
    ['a lone high surrogate', { list: ['ok', 'x\ud800'] }, 'payload.list.1'],
    ['a lone low surrogate', { note: '\udc00' }, 'payload.note'],
  ])('POST /jobs: %s', async (_what, payload, field) => {
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set(asAlice())
      .send({ jobType: 'echo', payload: { message: 'hi', ...payload } });
    expectRefused(res, field);
  });

  it('POST /jobs/batch: a NUL in the third job refuses the whole batch, naming that job', async () => {
    const job = (message: string) => ({ jobType: 'echo', payload: { message } });
    const res = await fx
      .http()
      .post('/api/v1/jobs/batch')
      .set(asAlice())
      .send({ jobs: [job('one'), job('two'), job('th\u0000ree')] });
    expectRefused(res, 'jobs.2.payload.message');
  });

  it('POST /jobs: JSON nested deeper than 32 levels', async () => {
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set(asAlice())
      .set('Content-Type', 'application/json')
      .send(`{"jobType":"echo","payload":{"message":"hi","deep":${nested(40)}}}`);
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error.details[0].message).toMatch(
      /^payload\.deep(\.a)+ must not be nested deeper than 32 levels$/,
    );
  });

  it('POST /jobs: nesting 100,000 levels deep is refused the same way, without a stack overflow', async () => {
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set(asAlice())
      .set('Content-Type', 'application/json')
      .send(`{"jobType":"echo","payload":${nested(100_000)}}`);
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error.code).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['page=1e300', 'page'],
    ['page=9007199254740993', 'page'],
    ['limit=1e300', 'limit'],
    ['limit=100000', 'limit'],
    ['jobType=%00', 'jobType'],
  ])('GET /jobs?%s', async (query, field) => {
    const res = await fx.http().get(`/api/v1/jobs?${query}`).set(asAlice());
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error.details.map((d) => d.field)).toContain(field);
  });

  it.each([
    ['over 255 characters', 'u'.repeat(256)],
    ['with a NUL', 'ali\u0000ce'],
    [
      'with a lone surrogate (it would be stored as U+FFFD, shared with other subjects)',
      'ali\ud800ce',
    ],
  ])('a verified token whose sub is %s: 400 naming sub, nothing written', async (_what, sub) => {
    const token = signToken(fx.config.auth.secret!, { sub });
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set(bearer(token))
      .send({ jobType: 'echo', payload: { message: 'hi' } });
    expectRefused(res, 'sub');
  });

  it('a sub of exactly 255 characters is a user like any other', async () => {
    const sub = 'u'.repeat(255);
    const res = await fx
      .http()
      .get('/api/v1/jobs')
      .set(bearer(fx.token(sub)));
    expect(res.status).toBe(200);
  });
});
