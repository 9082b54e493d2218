/**
 * The burst check of the reliability issue, run compiled by bench/burst.mjs (which builds it,
 * starts the SQS emulator and sets the environment):
 *
 *   "A burst of 2,000 jobs posted at once through the API to one worker with
 *    WORKER_CONCURRENCY=10: all complete, 0 messages in the SQS DLQ, 0 re-sent by the sweep, and
 *    the time to drain is within 1.2× of 2,000 ÷ the worker's measured throughput."
 *
 * One fresh database (migrated by the api at boot, as production does) and one queue pair
 * (redrive to the DLQ after 5 receives, as infra/ sets it), the compiled api and ONE compiled
 * worker. Two phases against the same processes:
 *
 * 1. throughput: BURST_N `echo` jobs (BURST_DELAY_MS of simulated work each) through
 *    POST /api/v1/jobs/batch while no worker runs; once the api has sent every message, the worker
 *    starts. Throughput = N ÷ (first started_at → last completed_at).
 * 2. burst: the worker idle, BURST_N × POST /api/v1/jobs with BURST_IN_FLIGHT requests in flight,
 *    spread over BURST_USERS users' tokens; then wait until every job is terminal. Drain = first
 *    POST → last completed_at; ratio = drain ÷ (N ÷ throughput), reported, not enforced.
 *
 * Checks (exit 1 when one fails): every POST accepted, every job completed, the DLQ empty, no job
 * with more than one queue_messages row (a sweep re-send, a stall re-queue or a retry), and the
 * worker ran at most WORKER_CONCURRENCY handlers at once: each handler sleeps BURST_DELAY_MS, so
 * N × BURST_DELAY_MS ÷ (first claim → last completion) is a lower bound of the mean number
 * running, which must not exceed the limit (the premise of the check: a worker short of slots).
 * The highest ApproximateReceiveCount is sampled from the emulator's inspection endpoint.
 */
import 'reflect-metadata';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { DataSource } from 'typeorm';
import { createEmulatorSqsClient } from '../../tools/dev-services/sqs-emulator';
import { benchModule, runMain, type Target, writeResult } from './bench-env';
import type { Measuring } from './http-phases';
import { Standalone } from './standalone';

const DATABASE = 'jq_bench_burst';
const N = Number(process.env.BURST_N ?? 2000);
/**
 * Simulated work per job. 100 ms × 10 slots caps the worker at 100 jobs/s, well below what one
 * api process accepts, so the burst outruns the worker and queues up in SQS, as in the issue.
 */
const DELAY_MS = Number(process.env.BURST_DELAY_MS ?? 100);
const IN_FLIGHT = Number(process.env.BURST_IN_FLIGHT ?? 100);
/** 2,000 POSTs over 8 users stay under the default rate limit (600 POSTs per user per minute). */
const USERS = Number(process.env.BURST_USERS ?? 8);
const WORKER_CONCURRENCY = process.env.BURST_WORKER_CONCURRENCY ?? '10';
const SAMPLE_MS = Number(process.env.BURST_SAMPLE_MS ?? 500);
/** A phase gives up when no job became terminal for this long (a message lost to the DLQ). */
const STALL_MS = Number(process.env.BURST_STALL_MS ?? 60_000);
const TARGET_RATIO = 1.2;
const BATCH = 500;
const PREFILL_USER = 'burst-prefill';
const BURST_USERS = Array.from({ length: USERS }, (_, i) => `burst-user-${i + 1}`);

const TERMINAL = `(status IN ('completed', 'cancelled') OR (status = 'failed' AND next_retry_at IS NULL))`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const fmt = (x: number) => x.toLocaleString('en-US');
const job = (message: string) => ({ jobType: 'echo', payload: { message, delayMs: DELAY_MS } });

/** The highest ApproximateReceiveCount among the work queue's messages, sampled while it runs. */
class ReceiveCountSampler {
  max = 0;
  samples = 0;
  private timer?: NodeJS.Timeout;
  private readonly url: string;

  constructor(endpoint: string, queueUrl: string) {
    this.url = `${endpoint}/_fauxqs/queues/${encodeURIComponent(queueUrl.split('/').pop()!)}`;
  }

  start(): void {
    if (SAMPLE_MS <= 0 || this.timer) return;
    const tick = async () => {
      await this.sample().catch(() => undefined);
      if (this.timer) this.timer = setTimeout(() => void tick(), SAMPLE_MS);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (SAMPLE_MS > 0) await this.sample().catch(() => undefined);
  }

  private async sample(): Promise<void> {
    const res = await fetch(this.url);
    if (!res.ok) return;
    const { messages } = (await res.json()) as {
      messages: {
        ready: QueuedMessage[];
        delayed: QueuedMessage[];
        inflight: { message: QueuedMessage }[];
      };
    };
    this.samples++;
    for (const m of [
      ...messages.ready,
      ...messages.delayed,
      ...messages.inflight.map((e) => e.message),
    ])
      this.max = Math.max(this.max, m.approximateReceiveCount ?? 0);
  }
}
interface QueuedMessage {
  approximateReceiveCount?: number;
}

async function count(db: DataSource, where: string): Promise<number> {
  const [{ n }] = await db.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM jobs WHERE ${where}`,
  );
  return n;
}

/** Waits until `expected` jobs matching `where` are terminal, or none became so for STALL_MS. */
async function waitTerminal(db: DataSource, where: string, expected: number): Promise<number> {
  let last = -1;
  let changedAt = Date.now();
  for (;;) {
    const done = await count(db, `${where} AND ${TERMINAL}`);
    if (done >= expected) return done;
    if (done !== last) [last, changedAt] = [done, Date.now()];
    else if (Date.now() - changedAt > STALL_MS) return done;
    await sleep(250);
  }
}

async function waitOutboxSent(db: DataSource): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [{ n }] = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM queue_messages WHERE sent_at IS NULL`,
    );
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} outbox rows still unsent after 120 s`);
    await sleep(50);
  }
}

/** first started_at, last completed_at (epoch ms), and status counts of the jobs matching `where`. */
async function window(db: DataSource, where: string) {
  const [w] = await db.query<{ first: number; last: number; workers: string[] }[]>(
    `SELECT extract(epoch FROM min(started_at))::float8 * 1000 AS first,
            extract(epoch FROM max(completed_at))::float8 * 1000 AS last,
            array_agg(DISTINCT held_by) FILTER (WHERE held_by IS NOT NULL) AS workers
       FROM jobs WHERE ${where}`,
  );
  const rows = await db.query<{ status: string; n: number }[]>(
    `SELECT status, count(*)::int AS n FROM jobs WHERE ${where} GROUP BY status ORDER BY status`,
  );
  // the most jobs between started_at and completed_at at once (a finish before a start on ties)
  const [o] = await db.query<{ peak: number; mean_ms: number }[]>(
    `WITH j AS (SELECT started_at, completed_at FROM jobs WHERE ${where} AND completed_at IS NOT NULL),
          e AS (SELECT started_at AS t, 1 AS d FROM j UNION ALL SELECT completed_at, -1 FROM j)
     SELECT (SELECT max(c)::int FROM (SELECT sum(d) OVER (ORDER BY t, d) AS c FROM e) x) AS peak,
            (SELECT avg(extract(epoch FROM completed_at - started_at))::float8 * 1000 FROM j) AS mean_ms`,
  );
  return { ...w, ...o, statuses: Object.fromEntries(rows.map((r) => [r.status, r.n])) };
}

/** Jobs with more than one message row, and why (retries, stall re-queues, otherwise a sweep re-send). */
async function resent(db: DataSource, where: string) {
  const [r] = await db.query<{ jobs: number; retried: number; stalled: number }[]>(
    `SELECT count(*)::int AS jobs,
            count(*) FILTER (WHERE j.retry_count > 0)::int AS retried,
            count(*) FILTER (WHERE j.stall_count > 0)::int AS stalled
       FROM jobs j
      WHERE ${where}
        AND (SELECT count(*) FROM queue_messages q WHERE q.job_id = j.id) > 1`,
  );
  return r;
}

async function dlqDepth(t: Target): Promise<{ visible: number; inFlight: number }> {
  const sqs = createEmulatorSqsClient(t.endpoint);
  try {
    const { Attributes: a = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: t.dlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  } finally {
    sqs.destroy();
  }
}

/** Runs `work(i)` for i in [0, n) with `limit` calls in flight. */
async function pool<T>(n: number, limit: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < n; i = next++) out[i] = await work(i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
  return out;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

function cpuLine(cpu: Record<string, unknown>): string {
  return ['worker', 'api', 'postgres', 'fauxqs', 'bench_node', 'other_procs', 'machine_busy']
    .filter((k) => typeof cpu[k] === 'number')
    .map((k) => `${k.replace(/_busy|bench_|_procs/, '')} ${Math.round(cpu[k] as number)}`)
    .join(' / ');
}

async function main(): Promise<number> {
  const m = await benchModule<Measuring>('common.mjs');
  const standalone = await Standalone.create(DATABASE, 'jq-burst', m, { maxReceiveCount: 5 });
  const { target } = standalone;
  try {
    // the rate limit (per job since issue 12) would refuse the throughput phase's 2,000-job batch
    const { api, db } = await standalone.startApi({ RATE_LIMIT_MAX: '1000000' }, IN_FLIGHT);
    const sampler = new ReceiveCountSampler(target.endpoint, target.queueUrl);

    // 1. throughput: a backlog of N jobs, then the worker starts
    const prefill = `user_id = '${PREFILL_USER}'`;
    for (let i = 0; i < N; i += BATCH) {
      const jobs = Array.from({ length: Math.min(BATCH, N - i) }, (_, k) =>
        job(`prefill ${i + k}`),
      );
      const r = await api.post('/api/v1/jobs/batch', PREFILL_USER, { jobs });
      if (r.status !== 202) throw new Error(`POST /api/v1/jobs/batch answered ${r.status}`);
    }
    await waitOutboxSent(db);
    sampler.start();
    const worker = await standalone.startWorker({ WORKER_CONCURRENCY });
    const c0 = m.cpuSnapshot();
    const doneT = await waitTerminal(db, prefill, N);
    const c1 = m.cpuSnapshot();
    const wT = await window(db, prefill);
    const throughput = (N * 1000) / (wT.last - wT.first);
    const cpuT = m.cpuDelta(c0, c1);
    if (doneT < N) throw new Error(`throughput phase: only ${doneT} of ${N} jobs finished`);

    // 2. the burst, into an idle worker
    await sleep(1000);
    const burst = `user_id LIKE 'burst-user-%'`;
    const c2 = m.cpuSnapshot();
    const t0 = Date.now();
    const posts = await pool(N, IN_FLIGHT, (i) =>
      api.post('/api/v1/jobs', BURST_USERS[i % USERS], job(`burst ${i}`)).catch(() => ({
        status: 0,
        ms: NaN,
      })),
    );
    const postSeconds = (Date.now() - t0) / 1000;
    const doneB = await waitTerminal(db, burst, N);
    const c3 = m.cpuSnapshot();
    await sampler.stop();
    const wB = await window(db, burst);
    const cpuB = m.cpuDelta(c2, c3);
    const drainS = (wB.last - t0) / 1000;
    const expectedS = N / throughput;
    const ratio = drainS / expectedS;
    const accepted = posts.filter((p) => p.status === 202).length;
    const codes: Record<string, number> = {};
    for (const p of posts) codes[p.status] = (codes[p.status] ?? 0) + 1;
    const lat = posts
      .map((p) => p.ms)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const dlq = await dlqDepth(target);
    const dlqRows = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM queue_messages WHERE queue_url = $1`,
      [target.dlqUrl],
    );
    const again = await resent(db, burst);
    const againT = await resent(db, prefill);

    // every handler sleeps DELAY_MS (10 timer steps, each may fire up to ~1 ms early) inside
    // [first claim, last completion]: N × that ÷ the window bounds the mean running from below
    const slept = Math.max(0, DELAY_MS - 10);
    const floorT = (N * slept) / (wT.last - wT.first);
    const floorB = (N * slept) / (wB.last - wB.first);
    const limit = Number(WORKER_CONCURRENCY);
    const checks = [
      { check: 'POSTs accepted (202)', value: accepted, want: N },
      { check: 'burst jobs completed', value: wB.statuses.completed ?? 0, want: N },
      { check: 'SQS DLQ depth (visible + in flight)', value: dlq.visible + dlq.inFlight, want: 0 },
      { check: 'jobs with > 1 message row (burst)', value: again.jobs, want: 0 },
      { check: 'jobs with > 1 message row (throughput)', value: againT.jobs, want: 0 },
    ];
    const overCap = [floorT, floorB].some((x) => x > limit);
    const failed = [
      ...checks.filter((c) => c.value !== c.want),
      ...(overCap && DELAY_MS > 0 ? [{ check: 'WORKER_CONCURRENCY respected' }] : []),
    ];
    const rows: [string, string][] = [
      ['job type', `echo, delayMs ${DELAY_MS} (10 timer steps + progress)`],
      ['worker', `1 process, WORKER_CONCURRENCY=${WORKER_CONCURRENCY}, other settings default`],
      ['queue', 'visibility 300 s, redrive to the DLQ after 5 receives'],
      [
        'throughput (backlog of N)',
        `${fmt(round(throughput))} jobs/s (${fmt(N)} in ${round((wT.last - wT.first) / 1000, 2)} s)  cpu% ${cpuLine(cpuT)}`,
      ],
      [
        'burst POSTs',
        `${fmt(N)} in ${round(postSeconds, 2)} s (${fmt(round(N / postSeconds))} req/s, ${IN_FLIGHT} in flight, ${USERS} users), p50 ${round(percentile(lat, 50))} ms p99 ${round(percentile(lat, 99))} ms, codes ${JSON.stringify(codes)}`,
      ],
      ['burst statuses', JSON.stringify(wB.statuses)],
      [
        'handlers at once, mean ≥ (N × delay ÷ window)',
        `throughput ${round(floorT, 1)}, burst ${round(floorB, 1)} (limit ${limit}: ${overCap ? 'EXCEEDED' : 'ok'})`,
      ],
      [
        'claim → completion row (mean), peak',
        `throughput ${round(wT.mean_ms)} ms, ${wT.peak} at once; burst ${round(wB.mean_ms)} ms, ${wB.peak} (includes the batched write lag)`,
      ],
      ['held by (worker ids)', JSON.stringify({ throughput: wT.workers, burst: wB.workers })],
      [
        'drain (first POST → last completion)',
        `${round(drainS, 2)} s; N ÷ throughput = ${round(expectedS, 2)} s`,
      ],
      [
        'ratio drain ÷ (N ÷ throughput)',
        `${round(ratio, 3)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'})`,
      ],
      ['burst cpu%', cpuLine(cpuB)],
      ...checks.map((c): [string, string] => [
        c.check,
        `${fmt(c.value)} ${c.value === c.want ? 'ok' : `FAIL (want ${fmt(c.want)})`}`,
      ]),
      [
        'their causes (retried / stalled)',
        `burst ${again.retried}/${again.stalled}, throughput ${againT.retried}/${againT.stalled}`,
      ],
      ['DLQ rows written by the worker', String(dlqRows[0].n)],
      [
        'max ApproximateReceiveCount',
        SAMPLE_MS > 0
          ? `${sampler.max} (${sampler.samples} samples of the work queue, every ${SAMPLE_MS} ms)`
          : 'not sampled (BURST_SAMPLE_MS=0)',
      ],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(`\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    const record = {
      n: N,
      delay_ms: DELAY_MS,
      worker_concurrency: Number(WORKER_CONCURRENCY),
      throughput: round(throughput),
      handler_ms: { throughput: round(wT.mean_ms), burst: round(wB.mean_ms) },
      peak_processing_rows: { throughput: wT.peak, burst: wB.peak },
      running_floor: { throughput: round(floorT, 2), burst: round(floorB, 2) },
      post_seconds: round(postSeconds, 3),
      post_latency_ms: { p50: round(percentile(lat, 50)), p99: round(percentile(lat, 99)) },
      status_codes: codes,
      statuses: wB.statuses,
      drain_s: round(drainS, 3),
      expected_s: round(expectedS, 3),
      ratio: round(ratio, 3),
      dlq,
      dlq_rows: dlqRows[0].n,
      resent_burst: again,
      resent_throughput: againT,
      max_receive_count: SAMPLE_MS > 0 ? sampler.max : null,
      cpu: { throughput: cpuT, burst: cpuB },
      failed: failed.map((c) => c.check),
      ts: new Date().toISOString(),
    };
    writeResult('burst', record);
    if (failed.length === 0 && doneB === N) return 0;
    process.stdout.write(
      `\nFAILED: ${failed.map((c) => c.check).join(', ')}\n--- worker output (last 20,000 characters) ---\n${worker.output()}\n`,
    );
    return 1;
  } finally {
    await standalone.close();
  }
}

runMain(main);
