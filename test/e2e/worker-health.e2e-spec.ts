import { WorkerPresence } from '@app/jobs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createWorkerApp } from '../../apps/worker/src/create-worker-app';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';

describe('worker /health and presence', () => {
  let fx: PipelineFixture;
  let worker: NestFastifyApplication;

  beforeAll(async () => {
    fx = await createPipelineFixture();
    worker = await createWorkerApp(fx.config);
    await worker.init();
    await worker.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await worker.close();
    await fx.close();
  });

  it('GET /health reports PostgreSQL, SQS and the engine up, with its held jobs and runaways', async () => {
    const res = await worker.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      info: {
        database: { status: 'up' },
        sqs: { status: 'up' },
        engine: { status: 'up', inFlight: 0, runaways: 0 },
      },
    });
  });

  it('GET /health/live answers while the process runs', async () => {
    expect((await worker.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({
      status: 'ok',
    });
  });

  it('registers itself as a live worker with its heartbeat, and leaves when it stops', async () => {
    const presence = fx.api.get(WorkerPresence);
    await new Promise((r) => setTimeout(r, 500)); // a few 200 ms heartbeats
    expect((await presence.summary(2000)).live).toBeGreaterThanOrEqual(1);
    const other = await createWorkerApp(fx.config);
    await other.init();
    await new Promise((r) => setTimeout(r, 500));
    expect((await presence.summary(2000)).live).toBe(2);
    await other.close();
    const rows = await fx.db.dataSource.query<{ worker_id: string }[]>(
      `SELECT worker_id FROM worker_heartbeats`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].worker_id).not.toBe(other.get(WorkerPresence).workerId);
  });
});
