import { randomBytes } from 'node:crypto';
import { AppConfigModule, type AppConfig } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { type AnyHandlerDefinition, JOB_CATALOGUE, StorageScope } from '@app/handlers';
import {
  JobCatalogueModule,
  JobsModule,
  JobsService,
  JobSubmissionModule,
  JobSubmissionService,
  type Job,
  type JobRequest,
} from '@app/jobs';
import { QueueModule, QueueService } from '@app/queue';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { createQueuePair, type QueuePair } from '../../tools/dev-services/sqs-emulator';
import { createTestDatabase, type TestDatabase } from './test-database';
import { createHandlerRunsTable, record } from './test-handlers';
import { testConfig } from './test-config';
import { requireTestEnv } from './test-env';

type Overrides = Parameters<typeof testConfig>[1];

export interface PipelineFixture {
  db: TestDatabase;
  queues: QueuePair;
  config: AppConfig;
  /** The api side: submission, the Job model, SQS access. */
  api: TestingModule;
  jobs: JobsService;
  queue: QueueService;
  submit(userId: string, requests: JobRequest[]): Promise<Job[]>;
  /** Starts an in-process worker (any number of them, like separate instances). */
  startWorker(overrides?: Overrides): Promise<INestApplicationContext>;
  waitFor(id: string, done: (job: Job) => boolean, timeoutMs?: number): Promise<Job>;
  close(): Promise<void>;
}

/**
 * A fresh database and a fresh queue pair on the shared SQS emulator, the api-side services, and
 * workers built from the real WorkerModule. `types`: job types besides JOB_CATALOGUE's, known to
 * the api side and run by the workers (with `record`, its handler_runs table is created).
 */
export async function createPipelineFixture(
  opts: {
    types?: readonly AnyHandlerDefinition[];
    overrides?: Overrides;
    maxReceiveCount?: number;
    /** Also a priority lane (SQS_PRIORITY_QUEUE_URL) on the emulator. */
    priorityLane?: boolean;
  } = {},
): Promise<PipelineFixture> {
  const types = opts.types ?? [];
  const db = await createTestDatabase();
  if (types.includes(record)) await createHandlerRunsTable(db.dataSource);
  const endpoint = requireTestEnv('sqsEndpoint');
  const queues = await createQueuePair(endpoint, `jq-${randomBytes(5).toString('hex')}`, {
    visibilityTimeout: 10,
    maxReceiveCount: opts.maxReceiveCount ?? 5,
    priorityLane: opts.priorityLane,
  });
  const config = testConfig(db.url, {
    ...opts.overrides,
    queue: {
      queueUrl: queues.queueUrl,
      dlqUrl: queues.dlqUrl,
      priorityQueueUrl: queues.priorityQueueUrl ?? null,
      endpoint,
      waitTimeSeconds: 1,
      ...opts.overrides?.queue,
    },
  });
  const api = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot(config),
      TypeOrmModule.forRoot({ ...dataSourceOptions(config.database), logging: false }),
      JobCatalogueModule.forRoot(
        JOB_CATALOGUE.with(...types).withStorage(new StorageScope(config.storage)),
      ),
      JobsModule,
      QueueModule,
      JobSubmissionModule,
    ],
  }).compile();
  await api.init();
  const workers: INestApplicationContext[] = [];
  const jobs = api.get(JobsService);

  return {
    db,
    queues,
    config,
    api,
    jobs,
    queue: api.get(QueueService),
    submit: async (userId, requests) =>
      (await api.get(JobSubmissionService).submit(userId, requests)).map((s) => s.job),
    async startWorker(overrides = {}) {
      const workerConfig = testConfig(db.url, {
        ...opts.overrides,
        ...overrides,
        queue: { ...config.queue, ...overrides.queue },
        worker: { ...opts.overrides?.worker, ...overrides.worker },
      });
      const worker = await NestFactory.createApplicationContext(
        WorkerModule.forRoot(workerConfig, types),
        {
          // JQ_TEST_LOGS=1 shows the workers' logs when a test needs explaining
          logger: process.env.JQ_TEST_LOGS ? ['error', 'warn', 'log'] : false,
          abortOnError: false,
        },
      );
      await worker.init();
      workers.push(worker);
      return worker;
    },
    async waitFor(id, done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await jobs.getById(id);
        if (done(job)) return job;
        if (Date.now() > deadline)
          throw new Error(
            `job ${id} still ${job.status} after ${timeoutMs} ms: ${JSON.stringify(job)}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await api.close();
      await db.drop();
    },
  };
}
