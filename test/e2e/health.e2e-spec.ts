import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { requireTestEnv } from '../support/test-env';
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

  /** Runs one statement as the server's admin (outside the database under test). */
  async function asAdmin(sql: string, params: unknown[] = []): Promise<void> {
    const client = new Client({ connectionString: requireTestEnv('adminUrl') });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  }

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
    const name = fx.db.name;
    // Take the database away for real: refuse new connections and end every existing one.
    await asAdmin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    try {
      await asAdmin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [name],
      );
      const down = await fx.http().get('/health');
      expect(down.status).toBe(503);
      const { error } = body<ErrorBody>(down);
      expect(error.code).toBe('SERVICE_UNAVAILABLE');
      expect(error.message).toBe('Not ready: database unavailable');
      expect(error.details.map((d) => d.field)).toEqual(['database']);
      expect((await fx.http().get('/health/live')).status).toBe(200);
    } finally {
      await asAdmin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    }
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

    it('turns 503 naming sqs, with the database still up', async () => {
      const res = await request(app.getHttpServer()).get('/health');
      expect(res.status).toBe(503);
      expect(body<ErrorBody>(res).error).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        details: [{ field: 'sqs', message: expect.any(String) as string }],
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

describe('api /health with the worker check on', () => {
  let fx: ApiFixture;
  beforeAll(async () => {
    fx = await createApiFixture({ overrides: { http: { workerMaxAgeMs: 2000 } } });
  });
  afterAll(() => fx.close());

  it('turns 503 naming workers while no worker heartbeat is recent, and 200 once one runs', async () => {
    const before = await fx.http().get('/health');
    expect(before.status).toBe(503);
    expect(JSON.stringify(before.body)).toContain('workers');
    await fx.startWorker();
    const after = await eventually(
      () => fx.http().get('/health'),
      (res) => res.status === 200,
      5000,
    );
    expect(after.body).toMatchObject({ info: { workers: { status: 'up', live: 1 } } });
  });
});
