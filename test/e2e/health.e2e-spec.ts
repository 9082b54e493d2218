import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { whileDatabaseRefuses } from '../support/database-outage';
import {
  type ApiFixture,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
} from './support/api-fixture';

describe('api /health', () => {
  let fx: ApiFixture;

  beforeAll(async () => {
    fx = await createApiFixture();
  });
  afterAll(() => fx.close());

  it('GET /health/live answers 200 while the process runs, without a token', async () => {
    const res = await fx.http().get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /health reports the database and SQS up, without a token', async () => {
    const res = await fx.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, sqs: { status: 'up' } },
    });
  });

  it('turns 503 naming the database while PostgreSQL refuses connections, and 200 once it is back', async () => {
    await whileDatabaseRefuses(fx.db.name, async () => {
      const down = await fx.http().get('/health');
      expect(down.status).toBe(503);
      const { error } = body<ErrorBody>(down);
      expect(error.code).toBe('SERVICE_UNAVAILABLE');
      expect(error.message).toBe('Not ready: database unavailable');
      expect(error.details.map((d) => d.field)).toEqual(['database']);
      expect((await fx.http().get('/health/live')).status).toBe(200);
    });
    const up = await eventually(
      () => fx.http().get('/health'),
      (res) => res.status === 200,
      10_000,
    );
    expect(up.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  describe('with an SQS endpoint that does not answer', () => {
    let app: NestFastifyApplication;

    beforeAll(async () => {
      app = await createApiApp({
        ...fx.config,
        queue: {
          ...fx.config.queue,
          endpoint: 'http://127.0.0.1:1',
          queueUrl: 'http://127.0.0.1:1/000000000000/gone',
          dlqUrl: 'http://127.0.0.1:1/000000000000/gone-dlq',
        },
      });
      await app.listen(0, '127.0.0.1');
    });
    afterAll(() => app.close());

    it('stays ready, reporting sqs down: accepted jobs wait in the outbox', async () => {
      const res = await request(app.getHttpServer()).get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'ok',
        info: { database: { status: 'up' }, sqs: { status: 'down' } },
      });
    });

    it('still serves the admin overview, with the queue figures unknown', async () => {
      const res = await request(app.getHttpServer())
        .get('/api/v1/jobs/stats/overview')
        .set({ Authorization: `Bearer ${fx.token('ops', 'admin')}` });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ data: { queueDepth: null, deadLetterDepth: null } });
    });
  });
});

describe('api /health with the worker check on (information only)', () => {
  let fx: ApiFixture;
  beforeAll(async () => {
    fx = await createApiFixture({ overrides: { http: { workerMaxAgeMs: 2000 } } });
  });
  afterAll(() => fx.close());

  it('reports workers down while no worker heartbeat is recent, and up once one runs, ready throughout', async () => {
    const before = await fx.http().get('/health');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ info: { workers: { status: 'down' } } });
    await fx.startWorker();
    await eventually(
      () => fx.http().get('/health'),
      (res) => body<{ info: { workers: { status: string } } }>(res).info.workers.status === 'up',
      5000,
    );
    const admin = await fx
      .http()
      .get('/api/v1/admin/health')
      .set({ Authorization: `Bearer ${fx.token('ops', 'admin')}` });
    expect(admin.body).toMatchObject({ data: { workers: { status: 'up', live: 1 } } });
  });
});
