import { loadConfig, pgPoolOptions, readEnv } from '@app/config';
import {
  createS3Client,
  handlerSettings,
  type HandlerServices,
  type JobCatalogue,
  type JobSink,
  PgSqlClient,
  StorageScope,
} from '@app/handlers';
import { laneQueues, SqlJobSink } from '@app/jobs/sql';
import { Pool } from 'pg';

/** Connections per function instance: one invocation at a time runs in an instance. */
const POOL_SIZE = 2;

/** A JobSink for functions whose handler creates no jobs. */
const NO_JOB_SINK: JobSink = {
  validate: () => 'this function cannot create jobs (its handler was given no child job types)',
  createChildren: () =>
    Promise.reject(new Error('this function cannot create jobs (no child job types)')),
};

/**
 * HandlerServices from the function's environment, the same variables the worker reads:
 * DATABASE_URL (a small pg Pool), S3_*, MEDIA_BUCKET, STORAGE_USER_PREFIX and EXPORT_* (storage),
 * BULK_IMPORT_* (imports), CLEANUP_* (cleanup). With
 * `childTypes` (bulk-import) the function may create jobs of those types, which needs
 * SQS_QUEUE_URL/SQS_DLQ_URL and MAX_JOB_RETRIES too: children are written with outbox rows that
 * the worker's relay sends. A bad variable fails the invocation with a message naming it.
 */
export function servicesFromEnvironment(childTypes?: JobCatalogue): HandlerServices {
  const env = readEnv();
  const { database, storage, cleanup, imports } = loadConfig(env, [
    'database',
    'storage',
    'cleanup',
    'imports',
  ]);
  // The same timeouts as the worker's DataSource (DATABASE_*_TIMEOUT_MS), on a smaller pool.
  const pool = new Pool({
    connectionString: database.url,
    ...pgPoolOptions({ ...database, poolSize: POOL_SIZE }),
  });
  // An idle connection the server closed (restart, failover) must not crash the instance: pg
  // drops it from the pool and the next query opens a new one.
  pool.on('error', () => undefined);
  const sql = new PgSqlClient(pool);
  let jobs = NO_JOB_SINK;
  if (childTypes) {
    const { queue, processor } = loadConfig(env, ['queue', 'processor']);
    jobs = new SqlJobSink(sql, {
      catalogue: childTypes.withStorage(new StorageScope(storage)),
      queues: laneQueues(queue),
      maxRetries: processor.maxRetries,
    });
  }
  return {
    s3: createS3Client(storage),
    sql,
    jobs,
    settings: handlerSettings(storage, cleanup, imports),
  };
}
