import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  PgSqlClient,
  type HandlerContext,
  type HandlerLogLevel,
  type HandlerServices,
  type HandlerSettings,
  type JobSink,
} from '@app/handlers';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from './test-database';
import { requireTestEnv } from './test-env';

/** What a handler under test reported through its context. */
export interface Recorded {
  progress: number[];
  logs: { level: HandlerLogLevel; message: string }[];
}

export interface HandlerHarness {
  db: TestDatabase;
  pool: Pool;
  s3: S3Client;
  /** A bucket created for this file. */
  bucket: string;
  services: HandlerServices;
  /** A context for one run; `recorded` collects its progress and log lines. */
  context(overrides?: Partial<Omit<HandlerContext, 'progress' | 'log'>>): {
    ctx: HandlerContext;
    recorded: Recorded;
  };
  close(): Promise<void>;
}

export const TEST_SETTINGS: HandlerSettings = {
  storage: { mediaBucket: 'jobqueue-media', userPrefix: 'users/{sub}/' },
  importChildTypes: ['echo', 'thumbnail-generation', 'export', 'item', 'noop'],
  importMaxChildren: 10_000,
  thumbnailMaxSourceBytes: 50 * 1_048_576,
  exportBucket: 'exports',
  exportUrlTtlSeconds: 900,
  retentionMs: { completed: 7 * 86_400_000, failed: 30 * 86_400_000, cancelled: 7 * 86_400_000 },
  cleanupBatchSize: 500,
};

const unusedSink: JobSink = {
  validate: () => {
    throw new Error('this test gave the handler no JobSink');
  },
  createChildren: () => Promise.reject(new Error('this test gave the handler no JobSink')),
};

/**
 * Real services for running a handler function directly: a fresh database (pg Pool), the
 * emulator's S3 with a bucket of its own, and a context that records progress and logs.
 */
export async function createHandlerHarness(
  options: { settings?: Partial<HandlerSettings>; jobs?: (h: HandlerHarness) => JobSink } = {},
): Promise<HandlerHarness> {
  const db = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url, max: 5 });
  // an idle connection the server ends (the database dropped at close) must not fail the file
  pool.on('error', () => undefined);
  const s3 = new S3Client({
    endpoint: requireTestEnv('sqsEndpoint'),
    region: 'us-east-1',
    forcePathStyle: true,
  });
  const bucket = `t-${randomUUID().slice(0, 8)}`;
  // users' space is `users/<sub>/` of this bucket: objects of user alice go under users/alice/
  const settings = {
    ...TEST_SETTINGS,
    exportBucket: bucket,
    storage: { mediaBucket: bucket, userPrefix: 'users/{sub}/' },
    ...options.settings,
  };
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const services: HandlerServices = { s3, sql: new PgSqlClient(pool), jobs: unusedSink, settings };
  const harness: HandlerHarness = {
    db,
    pool,
    s3,
    bucket,
    services,
    context(overrides = {}) {
      const recorded: Recorded = { progress: [], logs: [] };
      const ctx: HandlerContext = {
        jobId: randomUUID(),
        jobType: 'test',
        userId: 'alice',
        attempt: 1,
        signal: new AbortController().signal,
        services: harness.services,
        ...overrides,
        progress: (p) => recorded.progress.push(p),
        log: (level, message) => recorded.logs.push({ level, message }),
      };
      return { ctx, recorded };
    },
    async close() {
      s3.destroy();
      await pool.end();
      await db.drop();
    },
  };
  if (options.jobs) harness.services = { ...services, jobs: options.jobs(harness) };
  return harness;
}
