/**
 * What each step of a job's life costs the PostgreSQL backend that runs it, in CPU µs per job:
 * the profile behind the "PG ms/job" columns of bench/run.mjs. It runs the production statements
 * (JobsBatchService, QueueMessagesRepository) on one connection against a fresh database and reads that
 * backend's CPU time from /proc before and after each step, so nothing else on the machine is
 * counted (nor are the server's background processes: WAL writer, checkpointer, autovacuum).
 *
 *   npm run bench:statements            (N=10000 jobs; BENCH_N, JQ_ADMIN_URL)
 *
 * BENCH_EVENTS_RECORDING=1: with live job events recorded throughout (a far-off event_listeners
 * row), so each step includes what the triggers then write and notify. BENCH_EVENTS_TRIGGERS
 * (off, bare): a prototype variant of those triggers, see eventTriggers.
 */
import fs from 'node:fs';
import type { AppConfig } from '@app/config';
import { JobsBatchService, OutboxSignal } from '@app/jobs';
import type { ConfigService } from '@nestjs/config';
import { submitStatement } from '../../libs/jobs/src/sql/submit-statement';
import { QueueMessagesRepository } from '../../libs/jobs/src/queue-messages.repository';
import { dataSourceOptions, queryRows } from '@app/database';
import { DataSource } from 'typeorm';
import { createPgClient } from '../../tools/dev-services/postgres-server';
import { assertLoopback, dropDatabase, withDatabase } from './bench-env';

const N = Number(process.env.BENCH_N ?? 10_000);
const DATABASE = 'jq_bench_statements';
const QUEUE_URL = 'http://127.0.0.1:1/000000000000/statement-cost';
const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU seconds (user + system) the backend `pid` has used so far. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A prototype, to split what the live-event triggers cost while nobody streams (not a
 * migration): `off` drops them; `bare` puts statement triggers without transition tables in
 * their place, which only look up event_listeners (the lookup and call alone, without
 * PostgreSQL capturing every changed row for OLD/NEW TABLE).
 */
async function eventTriggers(db: DataSource, variant: string): Promise<void> {
  if (variant !== 'off' && variant !== 'bare') throw new Error(`BENCH_EVENTS_TRIGGERS=${variant}?`);
  await db.query(`DROP TRIGGER jobs_record_events_insert ON jobs`);
  await db.query(`DROP TRIGGER jobs_record_events_update ON jobs`);
  await db.query(`DROP TRIGGER job_logs_notify ON job_logs`);
  if (variant === 'off') return;
  await db.query(`
    CREATE FUNCTION bench_listened() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM event_listeners WHERE expires_at > now()) THEN RETURN NULL; END IF;
      RETURN NULL;
    END $$`);
  await db.query(`CREATE TRIGGER bench_jobs_insert AFTER INSERT ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION bench_listened()`);
  await db.query(`CREATE TRIGGER bench_jobs_update AFTER UPDATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION bench_listened()`);
  await db.query(`CREATE TRIGGER bench_job_logs AFTER INSERT ON job_logs
    FOR EACH STATEMENT EXECUTE FUNCTION bench_listened()`);
}

async function main(): Promise<void> {
  const adminUrl = process.env.JQ_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  assertLoopback('JQ_ADMIN_URL', adminUrl);
  await dropDatabase(adminUrl, DATABASE);
  const admin = createPgClient(adminUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`).finally(() => admin.end());
  const db = new DataSource({
    ...dataSourceOptions({
      url: withDatabase(adminUrl, DATABASE),
      runMigrations: false,
      poolSize: 1,
    }),
    logging: false,
  });
  await db.initialize();
  await db.runMigrations();
  try {
    const [{ pid }] = await db.query<{ pid: number }[]>(`SELECT pg_backend_pid() AS pid`);
    if (process.env.BENCH_EVENTS_TRIGGERS)
      await eventTriggers(db, process.env.BENCH_EVENTS_TRIGGERS);
    // live job events recorded, as while an api instance streams (job_events rows and NOTIFY)
    if (process.env.BENCH_EVENTS_RECORDING === '1')
      await db.query(
        `INSERT INTO event_listeners (instance_id, expires_at) VALUES ('bench', now() + interval '1 day')`,
      );
    const config = {
      get: (section: string) =>
        section === 'shares'
          ? { maxRunningPerUser: null }
          : { queueUrl: QUEUE_URL, priorityQueueUrl: null, dlqUrl: QUEUE_URL },
    } as unknown as ConfigService<AppConfig, true>;
    const batch = new JobsBatchService(db.manager, new OutboxSignal(), config);
    const outbox = new QueueMessagesRepository(db.manager, config);
    const rows: {
      step: string;
      perStatement: number;
      cpuUsPerJob: number;
      wallUsPerJob: number;
    }[] = [];
    const step = async (
      name: string,
      perStatement: number,
      jobs: number,
      run: () => Promise<void>,
    ) => {
      const c0 = cpuSeconds(pid);
      const t0 = performance.now();
      await run();
      const wall = performance.now() - t0;
      rows.push({
        step: name,
        perStatement,
        cpuUsPerJob: Math.round(((cpuSeconds(pid) - c0) * 1e6) / jobs),
        wallUsPerJob: Math.round((wall * 1e3) / jobs),
      });
    };
    const input = (i: number) => ({
      userId: `user-${i % 10}`,
      jobType: 'echo',
      payload: { message: `job ${i}` },
      maxRetries: 3,
      idempotencyKey: null,
      parentId: null,
      fingerprint: null,
      traceParent: null,
    });
    const submit = async (rows: ReturnType<typeof input>[]) => {
      const { text, params } = submitStatement(rows, [QUEUE_URL, QUEUE_URL]);
      return queryRows<{ id: string }>(db.manager, text, params, { prepared: true });
    };
    const ids: string[] = [];
    await step('submit (jobs + outbox rows)', 1000, N, async () => {
      for (const part of chunks(
        Array.from({ length: N }, (_, i) => input(i)),
        1000,
      )) {
        ids.push(...(await submit(part)).map((r) => r.id));
      }
    });
    const single = Math.min(2000, N);
    await step('submit one job per statement', 1, single, async () => {
      for (let i = 0; i < single; i++) await submit([input(i)]);
    });
    const messageIds = new Map<string, string>();
    await step('relay: lease + record sent', 100, N + single, async () => {
      let sent: number;
      do
        sent = await outbox.relayBatch(100, 60_000, async (leased) => {
          for (const r of leased) messageIds.set(r.jobId, `m-${r.id}`);
          return { sent: leased.map((r) => ({ id: r.id, messageId: `m-${r.id}` })), failed: [] };
        });
      while (sent > 0);
    });
    await step('claim', 10, N, async () => {
      for (const part of chunks(ids, 10)) await batch.claimMany(part, 'worker-1', ['echo']);
    });
    await step('record consumed messages', 1000, N, async () => {
      for (const part of chunks(ids, 1000))
        await outbox.recordConsumed(
          part.map((jobId) => ({
            jobId,
            messageId: messageIds.get(jobId) ?? '',
            receiptHandle: `rh-${jobId}`,
            deleted: true,
          })),
        );
    });
    await step('complete', 50, N, async () => {
      for (const part of chunks(ids, 50))
        await batch.completeMany(
          part.map((id) => ({ id, attempt: 1, resultsJson: '{"ok":true}' })),
        );
    });
    console.log(
      `PostgreSQL backend CPU per job, ${N.toLocaleString('en-US')} jobs, one connection (excludes WAL writer, checkpointer, autovacuum):`,
    );
    console.table(rows);
    const total = rows
      .filter((r) => r.step !== 'submit one job per statement')
      .reduce((n, r) => n + r.cpuUsPerJob, 0);
    console.log(`a job's life in batches (every step but the single submits): ${total} µs`);
  } finally {
    await db.destroy();
    await dropDatabase(adminUrl, DATABASE);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
