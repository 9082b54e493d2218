// BullMQ adapter: Redis backend (default) or the PostgreSQL backend shipped in bullmq 6.
// Redis: logical database REDIS_DB (15), emptied with FLUSHDB, so nothing else on the server is touched.
import { Queue, Worker, createPostgresBackend } from 'bullmq';
import { Redis } from 'ioredis';
import {
  PG_URL,
  REDIS_HOST,
  REDIS_PORT,
  REDIS_DB,
  CONCURRENCY,
  pgAdmin,
} from '../../lib/common.mjs';

const QUEUE = 'bench';
const SCHEMA = 'bullmq_bench';
const JOB_OPTS = { removeOnComplete: true, removeOnFail: 1000 };

export default async function make(variant) {
  const isPg = variant === 'pg';
  const connection = () =>
    isPg
      ? { connectionString: PG_URL, schema: SCHEMA, migrate: true } // pg.Pool default max=10
      : { host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB, maxRetriesPerRequest: null };
  const factory = isPg ? [createPostgresBackend] : [];
  let queue;
  let worker;
  let completed = 0;

  return {
    bulkChunk: 1000,
    async reset() {
      if (isPg) {
        await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`));
      } else {
        const r = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB });
        await r.flushdb();
        r.disconnect();
      }
      queue = new Queue(QUEUE, { connection: connection() }, ...factory);
      queue.on('error', (e) => console.error('queue error', e.message));
      await queue.waitUntilReady();
    },
    enqueue: (data) => queue.add('noop', data, JOB_OPTS),
    enqueueBulk: (datas) =>
      queue.addBulk(datas.map((data) => ({ name: 'noop', data, opts: JOB_OPTS }))),
    async startWorker(onStart) {
      worker = new Worker(
        QUEUE,
        async (job) => {
          onStart(job.data);
        },
        { connection: connection(), concurrency: CONCURRENCY, autorun: false },
        ...factory,
      );
      worker.on('error', (e) => console.error('worker error', e.message));
      worker.on('completed', () => completed++);
      await worker.waitUntilReady();
      worker.run().catch((e) => console.error('worker run', e.message));
    },
    completed: () => completed,
    async close() {
      if (worker) await worker.close();
      if (queue) await queue.close();
    },
  };
}
