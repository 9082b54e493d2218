import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { TcpProxy } from '../support/tcp-proxy';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
} from './support/api-fixture';

/** Within the jest timeout of each test: the answer must come from the timeouts, not from jest. */
const BOUND_MS = 30_000;

describe('POST /api/v1/jobs while PostgreSQL is away', () => {
  let fx: ApiFixture;
  let proxy: TcpProxy;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    fx = await createApiFixture();
    proxy = await TcpProxy.start(fx.db.url);
    // an api whose database sits behind the proxy, with short timeouts
    app = await createApiApp({
      ...fx.config,
      database: {
        ...fx.config.database,
        url: proxy.urlFor(fx.db.url),
        timeouts: {
          ...fx.config.database.timeouts,
          connectMs: 1000,
          statementMs: 1000,
          queryMs: 2000,
        },
      },
    });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await proxy.close();
    await fx.close();
  });

  const create = () =>
    request(app.getHttpServer())
      .post('/api/v1/jobs')
      .set(bearer(fx.token('offline')))
      .send({ jobType: 'echo', payload: { message: 'while the database is away' } });

  function expectRetryLater(res: request.Response): void {
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(body<ErrorBody>(res).error).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      message: 'database unavailable, retry shortly',
      details: [],
    });
  }

  it(
    'answers 503 with Retry-After while PostgreSQL refuses connections, and 202 once it is back',
    async () => {
      expect((await create()).status).toBe(202);
      await proxy.refuse();
      try {
        expectRetryLater(await create());
        expectRetryLater(await create());
      } finally {
        await proxy.resume();
      }
      expect((await create()).status).toBe(202);
    },
    BOUND_MS,
  );

  it(
    'answers 503 with Retry-After while PostgreSQL accepts connections and never answers',
    async () => {
      expect((await create()).status).toBe(202);
      const before = await fx.count('jobs', `user_id = 'offline'`);
      proxy.freeze();
      try {
        // the pooled connection hangs (query timeout), then new ones hang (connect timeout)
        expectRetryLater(await create());
        expectRetryLater(await create());
      } finally {
        await proxy.resume();
      }
      expect((await create()).status).toBe(202);
      expect(await fx.count('jobs', `user_id = 'offline'`)).toBe(before + 1);
    },
    BOUND_MS,
  );
});
