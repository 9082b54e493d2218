import { QueueService } from '@app/queue';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { createWorkerApp } from '../../apps/worker/src/create-worker-app';
import { type ApiFixture, bearer, createApiFixture } from '../e2e/support/api-fixture';
import { whileDatabaseRefuses } from '../support/database-outage';
import { DENIED_ARN, deniedQueue, startAwsDeniedServer } from './support/aws-denied-server';

/** The public answer may hold these words and nothing else: no hosts, ARNs or driver text. */
const PUBLIC_WORDS =
  /^(?:[{}[\]:,"]|status|ok|error|info|up|down|database|sqs|workers|code|message|details|field|SERVICE_UNAVAILABLE|Not ready|unavailable| )*$/;

describe('security: the public /health tells up or down, never why', () => {
  let fx: ApiFixture;
  let denied: Awaited<ReturnType<typeof startAwsDeniedServer>>;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    fx = await createApiFixture({ overrides: { http: { workerMaxAgeMs: 60_000 } } });
    denied = await startAwsDeniedServer();
    // the same api and database, with an SQS endpoint that refuses this role, naming its ARN
    app = await createApiApp({
      ...fx.config,
      queue: deniedQueue(fx.config.queue, denied.url),
    });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await denied.close();
    await fx.close();
  });

  it('stays ready while SQS refuses (the outbox covers it) and shows no ARN, host or AWS text', async () => {
    const res = await request(app.getHttpServer()).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      info: { database: { status: 'up' }, sqs: { status: 'down' }, workers: { status: 'down' } },
    });
    expect(res.text).toMatch(PUBLIC_WORDS);
  });

  it('gives the reasons, queue depths and worker presence to an admin only', async () => {
    const http = () => request(app.getHttpServer()).get('/api/v1/admin/health');
    expect((await http()).status).toBe(401);
    expect((await http().set(bearer(fx.token('someone')))).status).toBe(403);
    const res = await http().set(bearer(fx.token('ops', 'admin')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      data: {
        ready: true,
        database: { status: 'up', message: null },
        sqs: {
          status: 'down',
          queue: null,
          message: expect.stringContaining(DENIED_ARN) as string,
        },
        workers: { status: 'down', live: 0, maxAgeMs: 60_000 },
      },
    });
  });

  it('turns 503 naming the database while PostgreSQL refuses connections, without its name or error', async () => {
    await whileDatabaseRefuses(fx.db.name, async () => {
      const res = await fx.http().get('/health');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        error: {
          code: 'SERVICE_UNAVAILABLE',
          message: 'Not ready: database unavailable',
          details: [{ field: 'database', message: 'down' }],
        },
      });
      expect(res.text).not.toContain(fx.db.name);
    });
  });
});

describe("security: the worker's /health keeps AWS error text in its log", () => {
  let fx: ApiFixture;
  let denied: Awaited<ReturnType<typeof startAwsDeniedServer>>;
  let worker: NestFastifyApplication;

  beforeAll(async () => {
    fx = await createApiFixture();
    denied = await startAwsDeniedServer();
    worker = await createWorkerApp({
      ...fx.config,
      queue: deniedQueue(fx.config.queue, denied.url),
    });
    await worker.init();
    await worker.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await worker.close();
    await denied.close();
    await fx.close();
  });

  it('answers 503 with sqs down and no ARN', async () => {
    const res = await worker.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'error', error: { sqs: { status: 'down' } } });
    expect(res.body).not.toMatch(/arn:aws|123456789012|not authorized/);
  });
});

describe('security: /health probes cannot make the api hammer its dependencies', () => {
  let fx: ApiFixture;
  beforeAll(async () => {
    fx = await createApiFixture({ overrides: { http: { healthCacheMs: 60_000 } } });
  });
  afterAll(() => fx.close());

  it('answers fifty probes with one SQS check within HEALTH_CACHE_MS', async () => {
    const queue = fx.app.get(QueueService);
    const stats = jest.spyOn(queue, 'getQueueStats');
    const answers = await Promise.all(Array.from({ length: 50 }, () => fx.http().get('/health')));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    // one check is two GetQueueAttributes calls (queue and DLQ); fifty probes share it
    expect(stats.mock.calls.length).toBeLessThanOrEqual(1);
  });
});
