/**
 * Our system in the benchmark, behind the same adapter interface as the peers
 * (bench/peers/systems/*.mjs, driven by bench/lib/phases.mjs):
 *
 * - enqueue: JobSubmissionService.submit in a Nest application context, i.e. what POST /jobs
 *   runs after validation: the job and its outbox row in one statement (concurrent calls share
 *   it: group commit), then the outbox relay's
 *   SendMessageBatch to SQS. `settle()` waits until the relay has sent every row, and the phases
 *   await it inside the timed window: a job counts as enqueued once its message is in SQS.
 * - worker: the production worker app (bench/jobqueue/worker-main.ts, compiled) as its own
 *   process, against the same PostgreSQL and the fauxqs emulator. Its CPU is reported as `worker`.
 * - handler start: jobs.started_at, written by the claim UPDATE that the handler run follows, read
 *   after the timed window (no instrumentation inside the worker).
 *
 * Every reset() clones a fresh database from the migrated template and creates a fresh queue pair.
 */
import { loadConfig } from '@app/config';
import { JobSubmissionService } from '@app/jobs';
import { Outbox } from '@app/queue';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { createPgClient } from '../../tools/dev-services/postgres-server';
import { createEmulatorSqsClient, createQueuePair } from '../../tools/dev-services/sqs-emulator';
import {
  BENCH_USER,
  dropDatabase,
  freshDatabase,
  JOBQUEUE_DB,
  openDataSource,
  type Services,
  serviceEnv,
  type Target,
  uniqueName,
} from './bench-env';
import { type ServiceProcess, startCompiled } from './child-process';
import { SUBMIT_CONFIG_SECTIONS, SubmitOnlyModule } from './submit-only.module';

/** Data the phases attach to a job (`i`, and `t` in the latency phase). */
export type JobData = Record<string, unknown>;
/** `at`: the handler's start in this process's performance.now() clock. */
export type OnStart = (data: JobData, at?: number) => void;

/** The hooks bench/lib/phases.mjs calls (see its header). */
export interface SystemAdapter {
  bulkChunk: number;
  reset(): Promise<void>;
  enqueue(data: JobData): Promise<unknown>;
  enqueueBulk(datas: JobData[]): Promise<unknown>;
  settle(): Promise<void>;
  prefill(n: number): Promise<void>;
  startWorker(onStart: OnStart): Promise<void>;
  pending(): Promise<number>;
  collectStarts(onStart: OnStart, expected: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** From bench/lib/common.mjs: CPU accounting for processes this benchmark starts. */
export interface CpuTracking {
  trackProcess(label: string, pid: number): void;
  untrackProcess(label: string): void;
}

const BULK_CHUNK = 1000;
/**
 * An idle worker takes about 20 s to exit on SIGTERM (it waits out its SQS long poll); after a
 * measurement nothing is in flight and the database is dropped, so it gets 2 s, then SIGKILL.
 */
// A profiled worker must exit by itself to write its profile (it waits out its long poll).
export const STOP_GRACE_MS = process.env.SERVICE_NODE_ARGS ? 30_000 : 2000;

/**
 * BENCH_EVENTS_RECORDING=1: live job events recorded through the measurement, as while an api
 * instance streams (a far-off event_listeners row, so the triggers write job_events and NOTIFY),
 * with a LISTEN connection of this process that reads and drops the notifications. What
 * recording costs a job, apart from what the api then does for its streams (bench/events.mjs).
 */
const RECORD_EVENTS = process.env.BENCH_EVENTS_RECORDING === '1';

/** Turns recording on in `target`'s database; resolves with the LISTEN connection's closer. */
async function recordEvents(target: JobqueueTarget): Promise<() => Promise<void>> {
  await target.db.query(
    `INSERT INTO event_listeners (instance_id, expires_at) VALUES ('bench', now() + interval '1 day')`,
  );
  const listener = createPgClient(target.target.dbUrl);
  await listener.connect();
  await listener.query('LISTEN job_events');
  return () => listener.end();
}

const echo = (data: JobData) => ({ jobType: 'echo', payload: { message: JSON.stringify(data) } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A migrated database and a queue pair of our own, plus the env our processes read. */
export class JobqueueTarget {
  private constructor(
    readonly target: Target,
    readonly db: DataSource,
    private readonly services: Services,
    readonly database: string,
  ) {}

  static async create(services: Services, database = JOBQUEUE_DB): Promise<JobqueueTarget> {
    const dbUrl = await freshDatabase(services.adminUrl, database);
    const queues = await createQueuePair(services.endpoint, uniqueName('jq-bench'));
    const db = await openDataSource(dbUrl, 2);
    return new JobqueueTarget(
      { dbUrl, endpoint: services.endpoint, ...queues },
      db,
      services,
      database,
    );
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return serviceEnv(this.target, extra);
  }

  /** Jobs matching `where`, counted up to `limit` (a cheap "is there any" with 1). */
  async count(where: string, limit?: number): Promise<number> {
    const rows = limit
      ? `(SELECT 1 FROM jobs WHERE ${where} LIMIT ${limit}) j`
      : `jobs WHERE ${where}`;
    const [{ n }] = await this.db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${rows}`);
    return n;
  }

  async unsent(): Promise<number> {
    const [{ n }] = await this.db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM queue_messages WHERE sent_at IS NULL`,
    );
    return n;
  }

  async destroy(): Promise<void> {
    await this.db.destroy();
    const sqs = createEmulatorSqsClient(this.target.endpoint);
    try {
      for (const url of [this.target.queueUrl, this.target.dlqUrl])
        await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
    } finally {
      sqs.destroy();
    }
    await dropDatabase(this.services.adminUrl, this.database);
  }
}

/** The submission side of the api, in this process. */
export class Producer {
  private constructor(
    private readonly app: INestApplicationContext,
    readonly submission: JobSubmissionService,
    private readonly outbox: Outbox,
  ) {}

  static async start(env: NodeJS.ProcessEnv): Promise<Producer> {
    const config = loadConfig(env, SUBMIT_CONFIG_SECTIONS);
    const app = await NestFactory.createApplicationContext(SubmitOnlyModule.forRoot(config), {
      logger: ['error', 'warn'],
      abortOnError: false,
    });
    return new Producer(app, app.get(JobSubmissionService), app.get(Outbox));
  }

  /** Resolves once the outbox relay has sent every row to SQS. */
  async settle(target: JobqueueTarget): Promise<void> {
    for (;;) {
      await this.outbox.flush();
      if ((await target.unsent()) === 0) return;
      await sleep(5);
    }
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

/** Starts the production worker app; resolves once it consumes, with its job types. */
export async function startWorker(
  env: NodeJS.ProcessEnv,
): Promise<{ process: ServiceProcess; jobTypes: string[] }> {
  const proc = await startCompiled('bench/jobqueue/worker-main', env, /^worker ready /);
  const { jobTypes } = JSON.parse(proc.readyLine.slice('worker ready '.length)) as {
    jobTypes: string[];
  };
  return { process: proc, jobTypes };
}

/**
 * `producer: false` for the HTTP phases, where the api process is the producer. `database`: a
 * second system beside the first needs a database of its own (the lambda phase).
 */
export function jobqueueSystem(
  services: Services,
  cpu: CpuTracking,
  opts: { producer: boolean; database?: string } = { producer: true },
): SystemAdapter & { current(): JobqueueTarget } {
  let target: JobqueueTarget | undefined;
  let producer: Producer | undefined;
  let worker: ServiceProcess | undefined;
  let stopRecording: (() => Promise<void>) | undefined;
  const t = () => target ?? raise('reset() first');
  const p = () => producer ?? raise('no producer in this configuration');
  const submit = (datas: JobData[]) => p().submission.submit(BENCH_USER, datas.map(echo));

  return {
    bulkChunk: BULK_CHUNK,
    current: t,
    async reset() {
      target = await JobqueueTarget.create(services, opts.database);
      if (RECORD_EVENTS) stopRecording = await recordEvents(target);
      if (opts.producer) producer = await Producer.start(target.env());
    },
    enqueue: (data) => submit([data]),
    enqueueBulk: (datas) => submit(datas),
    settle: () => p().settle(t()),
    async prefill(n) {
      for (let i = 0; i < n; i += BULK_CHUNK)
        await submit(Array.from({ length: Math.min(BULK_CHUNK, n - i) }, (_, k) => ({ i: i + k })));
      await p().settle(t());
    },
    async startWorker() {
      worker = (await startWorker(t().env())).process;
      cpu.trackProcess('worker', worker.pid);
    },
    // Polled every 10 ms through the whole process window: 1 while any job is unfinished, 0 when
    // none is. Counting every row each time was PostgreSQL work charged to our PG ms/job.
    pending: () => t().count(`status IN ('pending', 'processing')`, 1),
    async collectStarts(onStart, expected, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while ((await t().count('started_at IS NOT NULL')) < expected) {
        if (performance.now() > deadline) break;
        await sleep(50);
      }
      const rows = await t().db.query<{ m: string; s: number }[]>(
        `SELECT payload->>'message' AS m, extract(epoch FROM started_at)::float8 * 1000 AS s
           FROM jobs WHERE started_at IS NOT NULL`,
      );
      for (const r of rows) onStart(JSON.parse(r.m) as JobData, r.s - performance.timeOrigin);
      return rows.length >= expected;
    },
    async close() {
      if (worker) {
        await worker.stop(STOP_GRACE_MS);
        cpu.untrackProcess('worker');
        worker = undefined;
      }
      await producer?.close();
      producer = undefined;
      await stopRecording?.();
      stopRecording = undefined;
      await target?.destroy();
      target = undefined;
    },
  };
}

function raise(message: string): never {
  throw new Error(message);
}
