/**
 * The `lambda` phase (ours only; the specification's "Lambda latency"): what routing a job type
 * to Lambda adds to a job's latency. Two copies of our system run side by side, each with its
 * own database, queue pair, producer and worker process:
 * - inprocess: the echo job type in the worker (no JOB_ROUTES);
 * - lambda:    JOB_ROUTES=echo:lambda:bench-echo, through the local Lambda endpoint
 *              (lambda-endpoint-main.ts; RequestResponse, the default), as `npm start` runs the
 *              library types.
 * Jobs go in pairs, one to each, at the same moment (which goes first alternates), open loop at
 * BENCH_LAMBDA_RATE pairs/s (50) for BENCH_LAT_SECONDS, so both routes see the same machine. A
 * first pair alone (a cold start of a function instance) and BENCH_LAMBDA_WARMUP pairs (50) go
 * before the timed window.
 *
 * Per job, read from the databases afterwards (nothing instruments the worker or the function):
 * - claim:  jobs.started_at − the moment enqueue was called (the route changes nothing before it);
 * - done:   jobs.completed_at − the moment enqueue was called: what a client waits for;
 * - run:    completed_at − started_at: the step the route changes;
 * - invoke: lambda_executions finished_at − started_at: the Invoke round trip (lambda route).
 * added_ms: per pair, the Lambda job's `done` minus its in-process twin's; p50/p99 over pairs.
 */
import { startFromSource } from './child-process';
import type { Measuring } from './http-phases';
import { type JobqueueTarget, STOP_GRACE_MS, startWorker } from './jobqueue-system';

const RATE = Number(process.env.BENCH_LAMBDA_RATE ?? 50);
const WARMUP = Number(process.env.BENCH_LAMBDA_WARMUP ?? 50);
const ROUTES = ['inprocess', 'lambda'] as const;
type Route = (typeof ROUTES)[number];

interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** What this phase uses of bench/lib: common.mjs and phases.mjs' stats. */
export interface LambdaMeasuring extends Measuring {
  LAT_SECONDS: number;
  stats(values: number[]): Percentiles;
  /** From bench/lib/proc-stat.mjs: a process's direct children, and its command line. */
  childPids(pid: number): number[];
  readTitle(pid: number): string | null;
}

/** One copy of our system (jobqueue-system.ts' adapter). */
interface System {
  reset(): Promise<void>;
  close(): Promise<void>;
  current(): JobqueueTarget;
  enqueue(data: Record<string, unknown>): Promise<unknown>;
}

interface Job {
  tag: string;
  i: number;
  t: number;
  status: string;
  started: number | null;
  completed: number | null;
  invoke: number | null;
}

const round = (x: number | null, d = 1) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);
const minus = (a: number | null, b: number | null) => (a == null || b == null ? null : a - b);
const done = (j: Job | undefined) => (j ? minus(j.completed, j.t) : null);

/**
 * `ours`: the campaign's adapter (the inprocess route); `second`: another copy of the system on
 * a database of its own (the lambda route).
 */
export function lambdaPhases(
  m: LambdaMeasuring,
  second: () => System,
): { lambda: (ours: System) => Promise<object> } {
  const sleep = (ms: number) => m.sleep(ms);

  /** Every job with its times, in this process's performance.now() clock. */
  async function jobs(target: JobqueueTarget): Promise<Job[]> {
    const rows = await target.db.query<(Omit<Job, 'tag' | 'i' | 't'> & { m: string })[]>(
      `SELECT j.payload->>'message' AS m, j.status,
              extract(epoch FROM j.started_at)::float8 * 1000 - $1 AS started,
              extract(epoch FROM j.completed_at)::float8 * 1000 - $1 AS completed,
              (SELECT extract(epoch FROM e.finished_at - e.started_at)::float8 * 1000
                 FROM lambda_executions e WHERE e.job_id = j.id ORDER BY e.id DESC LIMIT 1) AS invoke
         FROM jobs j`,
      [performance.timeOrigin],
    );
    return rows.map(({ m: message, ...r }) => ({
      ...(JSON.parse(message) as { tag: string; i: number; t: number }),
      ...r,
    }));
  }

  /** `count` pairs tagged `tag` at RATE pairs/s, one job to each system at the same moment. */
  async function pairs(systems: Record<Route, System>, tag: string, count: number) {
    const calls: Promise<unknown>[] = [];
    const t0 = m.now();
    for (let i = 0; i < count; i++) {
      const wait = t0 + (i * 1000) / RATE - m.now();
      if (wait >= 1) await sleep(wait);
      const order = i % 2 === 0 ? ROUTES : [...ROUTES].reverse();
      for (const route of order) calls.push(systems[route].enqueue({ tag, i, t: m.now() }));
    }
    await Promise.all(calls);
    return (m.now() - t0) / 1000;
  }

  async function completed(target: JobqueueTarget, tag: string, count: number): Promise<boolean> {
    const deadline = m.now() + 60_000;
    const like = `'{"tag":"${tag}",%'`;
    while (
      (await target.count(`status = 'completed' AND payload->>'message' LIKE ${like}`)) < count
    )
      if (m.now() > deadline) return false;
      else await sleep(20);
    return true;
  }

  const allCompleted = async (systems: Record<Route, System>, tag: string, count: number) =>
    (await Promise.all(ROUTES.map((r) => completed(systems[r].current(), tag, count)))).every(
      Boolean,
    );

  return {
    async lambda(ours) {
      const systems: Record<Route, System> = { inprocess: ours, lambda: second() };
      const stops: (() => Promise<void>)[] = [];
      try {
        await systems.lambda.reset();
        stops.push(() => systems.lambda.close());
        const target = { inprocess: ours.current(), lambda: systems.lambda.current() };
        const endpoint = await startLambdaEndpoint(target.lambda, m);
        stops.push(() => endpoint.stop());
        const routes = {
          inprocess: {},
          lambda: {
            JOB_ROUTES: `echo:lambda:${endpoint.functionName}`,
            LAMBDA_ENDPOINT: endpoint.url,
            LAMBDA_TIMEOUT_MS: '60000',
          },
        };
        for (const route of ROUTES) {
          const { process: worker } = await startWorker(target[route].env(routes[route]));
          const label = route === 'lambda' ? 'worker_lambda' : 'worker';
          m.trackProcess(label, worker.pid);
          stops.push(async () => {
            await worker.stop(STOP_GRACE_MS);
            m.untrackProcess(label);
          });
        }

        await pairs(systems, 'first', 1);
        const firstOk = await allCompleted(systems, 'first', 1);
        await pairs(systems, 'warm', WARMUP);
        await allCompleted(systems, 'warm', WARMUP);
        await sleep(500);

        const count = Math.round(RATE * m.LAT_SECONDS);
        const instancesBefore = endpoint.instances();
        const c0 = m.cpuSnapshot();
        const sendSeconds = await pairs(systems, 'timed', count);
        const ok = firstOk && (await allCompleted(systems, 'timed', count));
        const cpu = m.cpuDelta(c0, m.cpuSnapshot()) as { postgres_db_ms?: Record<string, number> };
        const instancesAfter = endpoint.instances();

        const all = { inprocess: await jobs(target.inprocess), lambda: await jobs(target.lambda) };
        const timed = (route: Route) => all[route].filter((j) => j.tag === 'timed');
        const first = (route: Route) => all[route].find((j) => j.tag === 'first');
        const stats = (route: Route, f: (j: Job) => number | null) =>
          m.stats(
            timed(route)
              .map(f)
              .filter((x): x is number => x != null),
          );
        const perRoute = (route: Route) => {
          const dbMs = cpu.postgres_db_ms?.[target[route].database];
          return {
            completed: timed(route).filter((j) => j.status === 'completed').length,
            claim_ms: stats(route, (j) => minus(j.started, j.t)),
            done_ms: stats(route, done),
            run_ms: stats(route, (j) => minus(j.completed, j.started)),
            ...(route === 'lambda' ? { invoke_ms: stats(route, (j) => j.invoke) } : {}),
            first_job_done_ms: round(done(first(route))),
            // the backends of this route's database only: the server's own processes serve both
            pg_backend_ms_per_job: dbMs == null ? null : round(dbMs / count, 3),
          };
        };
        const unfinished = (route: Route) =>
          all[route]
            .filter((j) => j.status !== 'completed')
            .map((j) => `${j.tag} ${j.i}: ${j.status}`)
            .slice(0, 5);
        const twin = new Map(timed('inprocess').map((j) => [j.i, j]));
        const added = timed('lambda')
          .map((j) => minus(done(j), done(twin.get(j.i))))
          .filter((x): x is number => x != null);
        return {
          // jobs in the window, both routes (runOne's pg_ms_per_job is per job of either)
          n: 2 * count,
          pairs: count,
          pairs_per_s: RATE,
          achieved_pairs_per_s: round(count / sendSeconds),
          invocation_type: 'RequestResponse',
          ok,
          inprocess: perRoute('inprocess'),
          lambda: {
            ...perRoute('lambda'),
            function_instances: { before: instancesBefore, after: instancesAfter },
          },
          added_ms: m.stats(added),
          cpu,
          ...(ok
            ? {}
            : { unfinished: { inprocess: unfinished('inprocess'), lambda: unfinished('lambda') } }),
        };
      } finally {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      }
    },
  };
}

interface LambdaEndpoint {
  url: string;
  functionName: string;
  /** Function instances (execution environments) running now. */
  instances(): number;
  stop(): Promise<void>;
}

/** The local Lambda endpoint with the bench's echo function, its CPU tracked as `lambda`. */
async function startLambdaEndpoint(
  target: JobqueueTarget,
  m: LambdaMeasuring,
): Promise<LambdaEndpoint> {
  // the functions get the worker's environment (DATABASE_URL, S3_*) and nothing else
  const proc = await startFromSource(
    'bench/jobqueue/lambda-endpoint-main',
    target.env(),
    /^lambda endpoint /,
  );
  const [url, functionName] = proc.readyLine.slice('lambda endpoint '.length).split(' ');
  m.trackProcess('lambda', proc.pid);
  return {
    url,
    functionName,
    instances: () =>
      m.childPids(proc.pid).filter((pid) => (m.readTitle(pid) ?? '').includes('runner.js')).length,
    async stop() {
      m.untrackProcess('lambda');
      await proc.stop(5000);
    },
  };
}
