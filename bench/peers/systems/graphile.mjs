// graphile-worker adapter. 'default': concurrency 50, maxPoolSize 52 (docs: concurrentJobs + 2).
// 'tuned': additionally the batching options from its performance docs
// (localQueue.size = concurrentJobs + 1, completeJobBatchDelay = 0).
import { run, makeWorkerUtils, Logger } from 'graphile-worker';
import { PG_URL, CONCURRENCY, pgAdmin } from '../../lib/common.mjs';

const SCHEMA = 'graphile_bench';
const quiet = new Logger(() => () => {});

export default async function make(variant) {
  const tuned = variant === 'tuned';
  let utils;
  let runner;
  return {
    bulkChunk: 1000,
    async reset() {
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`));
      utils = await makeWorkerUtils({ connectionString: PG_URL, schema: SCHEMA, logger: quiet }); // pool max 10
      await utils.migrate();
    },
    enqueue: (data) => utils.addJob('noop', data),
    enqueueBulk: (datas) =>
      utils.addJobs(datas.map((payload) => ({ identifier: 'noop', payload }))),
    async startWorker(onStart) {
      runner = await run({
        connectionString: PG_URL,
        schema: SCHEMA,
        concurrency: CONCURRENCY,
        maxPoolSize: CONCURRENCY + 2,
        noHandleSignals: true,
        logger: quiet,
        taskList: {
          noop: async (payload) => {
            onStart(payload);
          },
        },
        ...(tuned
          ? {
              preset: {
                worker: { localQueue: { size: CONCURRENCY + 1 }, completeJobBatchDelay: 0 },
              },
            }
          : {}),
      });
    },
    async pending(c) {
      const r = await c.query(`SELECT count(*)::int AS n FROM ${SCHEMA}._private_jobs`);
      return r.rows[0].n;
    },
    async close() {
      if (runner) await runner.stop();
      if (utils) await utils.release();
    },
  };
}
