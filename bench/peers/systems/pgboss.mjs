// pg-boss adapter. Workers: localConcurrency 5 x batchSize 10 (= 50 jobs in flight),
// burstWhenBatchFull (fetch again at once while batches come back full), LISTEN/NOTIFY on.
import { PgBoss } from 'pg-boss';
import { PG_URL, CONCURRENCY, pgAdmin } from '../../lib/common.mjs';

const QUEUE = 'bench';
const SCHEMA = 'pgboss_bench';
const BATCH = Number(process.env.PGBOSS_BATCH ?? 10);

export default async function make() {
  let boss;
  const newBoss = async () => {
    const b = new PgBoss({
      connectionString: PG_URL,
      schema: SCHEMA,
      useListenNotify: true,
      max: 10,
    });
    b.on('error', (e) => console.error('pg-boss error', e.message));
    await b.start();
    return b;
  };
  return {
    bulkChunk: 1000,
    async reset() {
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`));
      boss = await newBoss();
      await boss.createQueue(QUEUE, { notify: true });
    },
    enqueue: (data) => boss.send(QUEUE, data),
    enqueueBulk: (datas) =>
      boss.insert(
        QUEUE,
        datas.map((data) => ({ data })),
      ),
    async startWorker(onStart) {
      await boss.work(
        QUEUE,
        {
          batchSize: BATCH,
          localConcurrency: Math.max(1, Math.round(CONCURRENCY / BATCH)),
          burstWhenBatchFull: true,
          pollingIntervalSeconds: 0.5,
        },
        async (jobs) => {
          for (const j of jobs) onStart(j.data);
        },
      );
    },
    async pending(c) {
      const r = await c.query(
        `SELECT count(*)::int AS n FROM ${SCHEMA}.job WHERE name = $1 AND state IN ('created','retry','active')`,
        [QUEUE],
      );
      return r.rows[0].n;
    },
    async close() {
      if (boss) await boss.stop({ graceful: true, timeout: 10000 });
    },
  };
}
