/**
 * Pipeline throughput: our worker against the naive SQS consumer a team would hand-roll, both
 * measured in this run, on the same PostgreSQL, the same SQS emulator process and the same jobs
 * table. No-op jobs (`echo`), so what is measured is the queue's own cost.
 *
 *   npm run bench:pipeline              # BENCH_N=20000 by default
 *   BENCH_N=5000 npm run bench:pipeline
 *
 * Phases (each system starts from an empty table and queue):
 * - enqueue: BENCH_N single-job submissions, 50 in flight (an API under load).
 *     naive: INSERT … RETURNING id, then SendMessage.   ours: JobSubmissionService.submit (job +
 *     outbox row in one transaction, relay batches the sends).
 * - process: BENCH_N jobs already queued; time from the worker's start to the last completion.
 *     naive: sqs-consumer × 5, handleMessage, one UPDATE and one DeleteMessage per message.
 *     naive-batch: the same with handleMessageBatch (DeleteMessageBatch per 10).
 *     ours: the worker app's JobProcessor (batch claim, batch ack, batched completion writes).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { dataSourceOptions } from '@app/database';
import { BuiltinHandlersModule, JobSubmissionService } from '@app/processor';
import { Outbox } from '@app/queue';
import { NestFactory } from '@nestjs/core';
import { Client, Pool } from 'pg';
import { Consumer } from 'sqs-consumer';
import { DataSource } from 'typeorm';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { resolvePostgres } from '../../tools/dev-services/postgres-server';
import { createQueuePair, startSqsEmulator } from '../../tools/dev-services/sqs-emulator';
import { testConfig } from '../../test/support/test-config';

process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const N = Number(process.env.BENCH_N ?? 20_000);
const CONCURRENCY = 50;

interface Env {
  dbUrl: string;
  endpoint: string;
  queueUrl: string;
  dlqUrl: string;
  db: DataSource;
}

async function freshEnv(adminUrl: string, endpoint: string): Promise<Env> {
  const name = `jq_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = new DataSource({
    ...dataSourceOptions({ url: url.toString(), runMigrations: false, poolSize: 10 }),
    logging: false,
  });
  await db.initialize();
  await db.runMigrations();
  const pair = await createQueuePair(endpoint, `bench-${randomBytes(4).toString('hex')}`, {
    visibilityTimeout: 60,
  });
  return { dbUrl: url.toString(), endpoint, ...pair, db };
}

async function waitCompleted(db: DataSource, n: number): Promise<void> {
  for (;;) {
    const [{ c }] = await db.query<{ c: number }[]>(
      `SELECT count(*)::int AS c FROM jobs WHERE status = 'completed'`,
    );
    if (c >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function inParallel(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1' });
}

const naive = {
  async enqueue(env: Env): Promise<number> {
    const pool = new Pool({ connectionString: env.dbUrl, max: 10 });
    const sqs = sqsClient(env.endpoint);
    const t = performance.now();
    await inParallel(N, async () => {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO jobs (user_id, job_type, payload) VALUES ('bench', 'echo', '{}') RETURNING id`,
      );
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: env.queueUrl,
          MessageBody: JSON.stringify({ jobId: rows[0].id }),
        }),
      );
    });
    const ms = performance.now() - t;
    await pool.end();
    sqs.destroy();
    return ms;
  },

  async process(env: Env, batch: boolean): Promise<number> {
    const pool = new Pool({ connectionString: env.dbUrl, max: 10 });
    const sqs = sqsClient(env.endpoint);
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO jobs (user_id, job_type, payload) SELECT 'bench', 'echo', '{}' FROM generate_series(1, $1) RETURNING id`,
      [N],
    );
    for (let i = 0; i < rows.length; i += 10) {
      const chunk = rows.slice(i, i + 10);
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: env.queueUrl,
          Entries: chunk.map((r, k) => ({
            Id: String(k),
            MessageBody: JSON.stringify({ jobId: r.id }),
          })),
        }),
      );
    }
    const update = `UPDATE jobs SET status = 'completed', completed_at = now() WHERE id = $1`;
    const t = performance.now();
    const consumers = Array.from({ length: CONCURRENCY / 10 }, () =>
      Consumer.create({
        queueUrl: env.queueUrl,
        sqs,
        batchSize: 10,
        waitTimeSeconds: 1,
        ...(batch
          ? {
              handleMessageBatch: async (msgs) => {
                await Promise.all(
                  msgs.map((m) =>
                    pool.query(update, [(JSON.parse(m.Body ?? '{}') as { jobId: string }).jobId]),
                  ),
                );
                return msgs;
              },
            }
          : {
              handleMessage: async (m) => {
                await pool.query(update, [(JSON.parse(m.Body ?? '{}') as { jobId: string }).jobId]);
                return m;
              },
            }),
      }),
    );
    consumers.forEach((c) => {
      c.on('error', () => undefined);
      c.start();
    });
    await waitCompleted(env.db, N);
    const ms = performance.now() - t;
    consumers.forEach((c) => c.stop());
    await pool.end();
    return ms;
  },
};

const ours = {
  config(env: Env) {
    return testConfig(env.dbUrl, {
      queue: {
        queueUrl: env.queueUrl,
        dlqUrl: env.dlqUrl,
        endpoint: env.endpoint,
        waitTimeSeconds: 1,
      },
      worker: { concurrency: CONCURRENCY, heartbeatMs: 5000, stallAfterMs: 30_000 },
      processor: { intervalMs: 5000 },
      database: { poolSize: 10 },
    });
  },

  async enqueue(env: Env): Promise<number> {
    const api = await NestFactory.createApplicationContext(
      (await import('./submit-only.module')).SubmitOnlyModule.forRoot(this.config(env)),
      { logger: false, abortOnError: false },
    );
    const submission = api.get(JobSubmissionService);
    const t = performance.now();
    await inParallel(N, () => submission.submit('bench', [{ jobType: 'echo', payload: {} }]));
    const [{ unsent }] = await env.db.query<{ unsent: number }[]>(
      `SELECT count(*)::int AS unsent FROM queue_messages WHERE sent_at IS NULL`,
    );
    let left = unsent;
    while (left > 0) {
      await new Promise((r) => setTimeout(r, 20));
      [{ unsent: left }] = await env.db.query<{ unsent: number }[]>(
        `SELECT count(*)::int AS unsent FROM queue_messages WHERE sent_at IS NULL`,
      );
    }
    const ms = performance.now() - t;
    await api.close();
    return ms;
  },

  async process(env: Env): Promise<number> {
    const api = await NestFactory.createApplicationContext(
      (await import('./submit-only.module')).SubmitOnlyModule.forRoot(this.config(env)),
      { logger: false, abortOnError: false },
    );
    const submission = api.get(JobSubmissionService);
    for (let i = 0; i < N; i += 500) {
      await submission.submit(
        'bench',
        Array.from({ length: Math.min(500, N - i) }, () => ({ jobType: 'echo', payload: {} })),
      );
    }
    await api.get(Outbox).flush();
    await api.close();
    await waitUnsent(env.db);
    const t = performance.now();
    const worker = await NestFactory.createApplicationContext(
      WorkerModule.forRoot(this.config(env), [BuiltinHandlersModule]),
      {
        logger: false,
        abortOnError: false,
      },
    );
    await worker.init();
    await waitCompleted(env.db, N);
    const ms = performance.now() - t;
    await worker.close();
    return ms;
  },
};

async function waitUnsent(db: DataSource): Promise<void> {
  for (;;) {
    const [{ c }] = await db.query<{ c: number }[]>(
      `SELECT count(*)::int AS c FROM queue_messages WHERE sent_at IS NULL`,
    );
    if (c === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const pg = await resolvePostgres();
  const sqs = await startSqsEmulator();
  const results: { phase: string; system: string; ms: number }[] = [];
  const run = async (phase: string, system: string, fn: (env: Env) => Promise<number>) => {
    const env = await freshEnv(pg.url, sqs.endpoint);
    try {
      const ms = await fn(env);
      results.push({ phase, system, ms });
      console.log(
        `${phase.padEnd(8)} ${system.padEnd(12)} ${(N / (ms / 1000)).toFixed(0).padStart(7)} jobs/s`,
      );
    } finally {
      await env.db.destroy();
    }
  };
  try {
    console.log(
      `N = ${N}, ${CONCURRENCY} in flight, PostgreSQL ${pg.source}, SQS emulator at ${sqs.endpoint}`,
    );
    await run('enqueue', 'naive', (e) => naive.enqueue(e));
    await run('enqueue', 'ours', (e) => ours.enqueue(e));
    await run('process', 'naive', (e) => naive.process(e, false));
    await run('process', 'naive-batch', (e) => naive.process(e, true));
    await run('process', 'ours', (e) => ours.process(e));
    console.log('\nphase    system        jobs/s   × naive');
    for (const r of results) {
      const base = results.find((b) => b.phase === r.phase && b.system === 'naive')!;
      console.log(
        `${r.phase.padEnd(8)} ${r.system.padEnd(12)} ${(N / (r.ms / 1000)).toFixed(0).padStart(7)}   ${(base.ms / r.ms).toFixed(2)}`,
      );
    }
  } finally {
    await sqs.stop();
    await pg.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
