/**
 * Memory of the worker process (`npm run bench:memory [-- scenario…]`): the production worker app
 * (compiled, as in bench/jobqueue) runs alone; this process samples its RSS from /proc every
 * 100 ms and reads the kernel's high-water mark (VmHWM) at the end, which also catches spikes
 * between samples.
 *
 * Scenarios (all by default, in this order):
 * - noop:        MEM_NOOP_JOBS (100,000) echo jobs submitted before the worker starts; ends when
 *                all are completed.
 * - bulk-import: one bulk-import job reading a JSON Lines manifest of MEM_IMPORT_LINES (100,000)
 *                `{"jobType":"echo","payload":{…}}` lines from S3 (the emulator, path-style);
 *                ends when the import job is finished (its children run meanwhile on the same worker).
 * - export:      one export job (csv) of the calling user's MEM_EXPORT_ROWS (1,000,000) jobs,
 *                inserted beforehand, written to EXPORT_BUCKET; ends when the export job is finished.
 * A scenario whose job type the worker does not register prints "skipped: job type not registered".
 *
 * Reported per scenario: RSS when ready, idle (before the first submission), peak (sampled and
 * VmHWM), steady (median of the second half of the active window) and at the end, in MiB.
 * Samples go to bench/results/memory-<scenario>-<time>.json.
 * To add a scenario: one entry in SCENARIOS (prefill before the worker starts, prepare after,
 * submit, finished).
 */
import 'reflect-metadata';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from '../../tools/dev-services/sqs-emulator';
import { BENCH_USER, MEMORY_DB, ROOT, services } from '../jobqueue/bench-env';
import { JobqueueTarget, Producer, startWorker, STOP_GRACE_MS } from '../jobqueue/jobqueue-system';

const MiB = 1024 * 1024;
const SAMPLE_MS = 100;
const TIMEOUT_MS = Number(process.env.MEM_TIMEOUT_S ?? 1800) * 1000;
const BUCKET = 'jq-bench';
const EXPORT_BUCKET = 'jq-bench-exports';
/** The manifest, in the bench user's space of BUCKET (the media bucket: jobs name objects only there). */
const IMPORT_KEY = `users/${encodeURIComponent(BENCH_USER)}/import.jsonl`;
const EXPORT_USER = 'bench-export';

interface Ctx {
  target: JobqueueTarget;
  producer: Producer;
  s3: S3Client;
  /** Ids of the jobs `submit` created (for `finished`). */
  submitted: string[];
}

interface Scenario {
  jobType: string;
  /** What the scenario processes, for the report. */
  describe: string;
  /** Before the worker starts (a backlog). */
  prefill?(ctx: Ctx): Promise<void>;
  /** After the worker started and knows the job type, before sampling the active window. */
  prepare?(ctx: Ctx): Promise<void>;
  /** Starts the measured work (may be a no-op when the prefill is the work). */
  submit(ctx: Ctx): Promise<void>;
  finished(ctx: Ctx): Promise<{ done: boolean; note?: string }>;
}

const count = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const NOOP_JOBS = count('MEM_NOOP_JOBS', 100_000);
const IMPORT_LINES = count('MEM_IMPORT_LINES', 100_000);
const EXPORT_ROWS = count('MEM_EXPORT_ROWS', 1_000_000);

/** A submitted job that reached a final state: completed, cancelled, or failed with no retry left. */
async function finishedJob(ctx: Ctx): Promise<{ done: boolean; note?: string }> {
  const [job] = await ctx.target.db.query<
    { status: string; error_message: string | null; retrying: boolean }[]
  >(`SELECT status, error_message, next_retry_at IS NOT NULL AS retrying FROM jobs WHERE id = $1`, [
    ctx.submitted[0],
  ]);
  const done =
    job.status === 'completed' ||
    job.status === 'cancelled' ||
    (job.status === 'failed' && !job.retrying);
  return { done, note: `${job.status}${job.error_message ? `: ${job.error_message}` : ''}` };
}

async function submitOne(ctx: Ctx, userId: string, jobType: string, payload: object) {
  // submitValidated writes without the producer's own validation: the worker's registry is the
  // one that matters, and this process may not load the module that registers the type.
  const [{ job }] = await ctx.producer.submission.submitValidated(userId, [{ jobType, payload }]);
  ctx.submitted = [job.id];
}

const SCENARIOS: Record<string, Scenario> = {
  noop: {
    jobType: 'echo',
    describe: `${NOOP_JOBS.toLocaleString('en-US')} no-op jobs`,
    async prefill(ctx) {
      for (let i = 0; i < NOOP_JOBS; i += 1000) {
        const n = Math.min(1000, NOOP_JOBS - i);
        await ctx.producer.submission.submit(
          BENCH_USER,
          Array.from({ length: n }, (_, k) => ({
            jobType: 'echo',
            payload: { message: `${i + k}` },
          })),
        );
      }
      await ctx.producer.settle(ctx.target);
    },
    submit: async () => undefined,
    async finished(ctx) {
      const left = await ctx.target.count(`status <> 'completed'`);
      return { done: left === 0, note: `${left} not completed` };
    },
  },
  'bulk-import': {
    jobType: 'bulk-import',
    describe: `a ${IMPORT_LINES.toLocaleString('en-US')}-line JSON Lines import`,
    async prepare(ctx) {
      const lines = Array.from(
        { length: IMPORT_LINES },
        (_, i) => `${JSON.stringify({ jobType: 'echo', payload: { message: `line ${i + 1}` } })}\n`,
      );
      await ensureBucket(ctx.s3, BUCKET);
      await ctx.s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: IMPORT_KEY, Body: lines.join('') }),
      );
    },
    submit: (ctx) =>
      submitOne(ctx, BENCH_USER, 'bulk-import', {
        source: `s3://${BUCKET}/${IMPORT_KEY}`,
        format: 'jsonl',
      }),
    finished: finishedJob,
  },
  export: {
    jobType: 'export',
    describe: `a ${EXPORT_ROWS.toLocaleString('en-US')}-row CSV export`,
    async prepare(ctx) {
      await ensureBucket(ctx.s3, EXPORT_BUCKET);
      await ctx.target.db.query(
        `INSERT INTO jobs (user_id, job_type, status, payload, results, created_at, started_at, completed_at, attempt)
         SELECT $1, 'echo', 'completed', jsonb_build_object('message', 'row ' || g),
                jsonb_build_object('echoed', 'row ' || g, 'attempt', 1),
                now() - make_interval(secs => g / 1000.0), now(), now(), 1
           FROM generate_series(1, $2) AS g`,
        [EXPORT_USER, EXPORT_ROWS],
      );
      await ctx.target.db.query('ANALYZE jobs');
    },
    submit: (ctx) => submitOne(ctx, EXPORT_USER, 'export', { format: 'csv' }),
    finished: finishedJob,
  },
};

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e: unknown) => {
    if (!(e instanceof Error && /BucketAlready/.test(e.name))) throw e;
  });
}

function rssBytes(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const mib = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / MiB).toFixed(0)} MiB` : 'n/a');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runScenario(name: string, sc: Scenario): Promise<void> {
  const svc = services();
  const target = await JobqueueTarget.create(svc, MEMORY_DB);
  const env = target.env({
    EXPORT_BUCKET,
    MEDIA_BUCKET: BUCKET,
    BULK_IMPORT_MAX_CHILDREN: String(Math.max(IMPORT_LINES, 1)),
  });
  const producer = await Producer.start(env);
  const s3 = new S3Client({
    endpoint: svc.endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
  });
  const ctx: Ctx = { target, producer, s3, submitted: [] };
  try {
    if (sc.prefill) await sc.prefill(ctx);
    const { process: worker, jobTypes } = await startWorker(env);
    const samples: { t: number; rss: number }[] = [];
    const t0 = performance.now();
    const sampler = setInterval(() => {
      try {
        samples.push({ t: performance.now() - t0, rss: rssBytes(worker.pid).rss });
      } catch {
        // the worker exited; the scenario's wait reports it
      }
    }, SAMPLE_MS);
    try {
      if (!jobTypes.includes(sc.jobType)) {
        console.log(
          `${name}: skipped: job type not registered ("${sc.jobType}" is not in ${jobTypes.join(', ')})`,
        );
        return;
      }
      if (sc.prepare) await sc.prepare(ctx);
      // A prefilled backlog is worked on from the moment the worker is ready; otherwise one
      // idle second first, for the idle figure.
      if (!sc.prefill) await sleep(1000);
      const tSubmit = sc.prefill ? 0 : performance.now() - t0;
      await sc.submit(ctx);
      let state = await sc.finished(ctx);
      while (!state.done) {
        if (performance.now() - t0 - tSubmit > TIMEOUT_MS)
          throw new Error(
            `${name}: not finished after ${TIMEOUT_MS / 1000} s (${state.note ?? ''})`,
          );
        await sleep(250);
        state = await sc.finished(ctx);
      }
      const tEnd = performance.now() - t0;
      const { hwm } = rssBytes(worker.pid);
      clearInterval(sampler);
      const before = samples.filter((s) => s.t < tSubmit).map((s) => s.rss);
      const active = samples.filter((s) => s.t >= tSubmit && s.t <= tEnd);
      const secondHalf = active.filter((s) => s.t >= (tSubmit + tEnd) / 2).map((s) => s.rss);
      const summary = {
        scenario: name,
        describe: sc.describe,
        outcome: state.note,
        seconds: Math.round(tEnd - tSubmit) / 1000,
        rss_ready: samples[0]?.rss,
        rss_idle: median(before),
        rss_peak_sampled: Math.max(...active.map((s) => s.rss)),
        rss_peak_hwm: hwm,
        rss_steady: median(secondHalf),
        rss_end: active[active.length - 1]?.rss,
        samples: samples.length,
      };
      console.log(
        `${name}: ${sc.describe} in ${summary.seconds} s (${state.note}); worker RSS ready ${mib(summary.rss_ready)}, idle ${mib(summary.rss_idle)}, ` +
          `peak ${mib(summary.rss_peak_sampled)} (VmHWM ${mib(hwm)}), steady ${mib(summary.rss_steady)}, end ${mib(summary.rss_end)}`,
      );
      const dir = path.join(ROOT, 'bench/results');
      mkdirSync(dir, { recursive: true });
      const file = path.join(
        dir,
        `memory-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
      );
      writeFileSync(file, JSON.stringify({ ...summary, sampleMs: SAMPLE_MS, samples }, null, 1));
      console.log(`  samples: ${path.relative(ROOT, file)}`);
    } finally {
      clearInterval(sampler);
      await worker.stop(STOP_GRACE_MS);
    }
  } finally {
    s3.destroy();
    await producer.close();
    await target.destroy();
  }
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SCENARIOS);
  for (const name of names) {
    const sc = SCENARIOS[name];
    if (!sc)
      throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    await runScenario(name, sc);
  }
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
