import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { createWorkerApp } from '../../apps/worker/src/create-worker-app';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
} from './support/api-fixture';

const TOKEN = 'mt-3f9a2c71d04e4b8f9c2a';

describe('who may read /metrics', () => {
  let fx: ApiFixture;
  let worker: NestFastifyApplication;

  beforeAll(async () => {
    fx = await createApiFixture({ overrides: { metrics: { token: TOKEN } } });
    worker = await createWorkerApp(fx.config);
    await worker.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await worker.close();
    await fx.close();
  });

  it('the api refuses a scrape without METRICS_TOKEN, or with a user JWT, in the one error envelope', async () => {
    for (const auth of [{}, bearer(fx.token('admin', ['admin'])), bearer(`${TOKEN}x`)]) {
      const res = await fx.http().get('/metrics').set(auth).expect(401);
      expect(body<ErrorBody>(res).error.code).toBe('UNAUTHORIZED');
      expect(res.text).not.toContain('jobqueue_');
    }
  });

  it('the api serves Prometheus text to the bearer of METRICS_TOKEN', async () => {
    const res = await fx.http().get('/metrics').set(bearer(TOKEN)).expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toContain('# TYPE jobqueue_jobs_created_total counter');
  });

  it('the worker asks for the same token beside its /health', async () => {
    const url = `http://127.0.0.1:${(worker.getHttpServer().address() as { port: number }).port}`;
    await request(url).get('/metrics').expect(401);
    await request(url).get('/health/live').expect(200);
    const res = await request(url).get('/metrics').set(bearer(TOKEN)).expect(200);
    expect(res.text).toContain('# TYPE jobqueue_jobs_started_total counter');
  });

  it('with METRICS_ENABLED=false neither app has the route', async () => {
    const metrics = { enabled: false, token: undefined };
    const api = await createApiApp({ ...fx.config, metrics });
    const off = await createWorkerApp({ ...fx.config, metrics });
    try {
      await api.getHttpAdapter().getInstance().ready();
      await off.init();
      expect((await api.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      expect((await off.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      expect((await off.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await Promise.all([api.close(), off.close()]);
    }
  });
});
