/**
 * Our HTTP phases (the peers have no HTTP api, so these rows have no ratio): the production api
 * (bench/jobqueue/api-main.ts, compiled, Fastify) as its own process, loaded with autocannon on
 * loopback from this process. Every request is the real work: JWT check, DTO and payload
 * validation, one statement writing the jobs and their outbox rows (concurrent requests share
 * it), then the relay's SendMessageBatch to SQS. No worker runs meanwhile.
 *
 * - http_post:  N × POST /api/v1/jobs, one echo job each.
 * - http_batch: N / BATCH × POST /api/v1/jobs/batch with BATCH echo jobs each.
 * System `http-floor` runs http_post against bench/jobqueue/http-floor-main.ts instead (a bare
 * Fastify route: the same JWT, a jobs row by group commit, nothing else), on the same load.
 * rate = jobs/s; req_per_s, latency p50/p99 per request. `drain_ms`: after the last response,
 * until the relay had sent every outbox row (not in the rate).
 */
import autocannon from 'autocannon';
import { sign } from 'jsonwebtoken';
import { BENCH_USER, CONCURRENCY } from './bench-env';
import { startCompiled } from './child-process';
import type { CpuTracking, JobqueueTarget } from './jobqueue-system';

const SECRET = 'bench-secret-bench-secret-bench-secret';
const BATCH = Number(process.env.BENCH_HTTP_BATCH ?? 100);

/** The functions from bench/lib/common.mjs and phases.mjs these phases use. */
export interface Measuring extends CpuTracking {
  N: number;
  cpuSnapshot(): unknown;
  cpuDelta(a: unknown, b: unknown): Record<string, unknown>;
  now(): number;
  sleep(ms: number): Promise<void>;
}

type Phase = (a: { current(): JobqueueTarget }) => Promise<Record<string, unknown>>;

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** The process each HTTP system measures. */
const SERVERS = {
  'jobqueue-http': 'bench/jobqueue/api-main',
  'http-floor': 'bench/jobqueue/http-floor-main',
} as const;
export type HttpSystem = keyof typeof SERVERS;
export const isHttpSystem = (s: string | undefined): s is HttpSystem =>
  s !== undefined && s in SERVERS;

export function httpPhases(
  m: Measuring,
  system: HttpSystem,
): Partial<Record<'http_post' | 'http_batch', Phase>> {
  const job = (i: number) => ({ jobType: 'echo', payload: { message: `http ${i}` } });
  const phase =
    (path: string, jobsPerRequest: number, body: () => unknown): Phase =>
    async (a) => {
      const target = a.current();
      const api = await startCompiled(
        SERVERS[system],
        target.env({ JWT_SECRET: SECRET, RATE_LIMIT_MAX: '1000000', QUOTA_UNFINISHED_JOBS: '0' }),
        /^api listening /,
      );
      m.trackProcess('api', api.pid);
      try {
        const url = `${api.readyLine.slice('api listening '.length)}${path}`;
        const token = sign({ sub: BENCH_USER, roles: ['user'] }, SECRET, {
          algorithm: 'HS256',
          expiresIn: '1h',
        });
        const load = (amount: number) =>
          autocannon({
            url,
            method: 'POST',
            connections: Math.min(CONCURRENCY, amount),
            amount,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(body()),
          });
        // warm-up (JIT, connection pools), then a settled outbox before the timed window
        await load(Math.max(CONCURRENCY, Math.ceil(200 / jobsPerRequest)));
        await drain(target, m);
        const requests = Math.max(1, Math.round(m.N / jobsPerRequest));
        const c0 = m.cpuSnapshot();
        const t0 = m.now();
        const r = await load(requests);
        const tDrain = m.now();
        const c1 = m.cpuSnapshot();
        await drain(target, m);
        const seconds = (tDrain - t0) / 1000;
        const ok = r['2xx'];
        return {
          n: ok * jobsPerRequest,
          requests,
          jobs_per_request: jobsPerRequest,
          connections: Math.min(CONCURRENCY, requests),
          ok: r.non2xx === 0 && r.errors === 0 && ok === requests,
          seconds: round(seconds, 3),
          rate: round((ok * jobsPerRequest) / seconds),
          req_per_s: round(ok / seconds),
          latency_ms: {
            p50: r.latency.p50,
            p90: r.latency.p90,
            p99: r.latency.p99,
            max: r.latency.max,
          },
          non2xx: r.non2xx,
          errors: r.errors,
          drain_ms: round(m.now() - tDrain),
          cpu: m.cpuDelta(c0, c1),
        };
      } finally {
        await api.stop();
        m.untrackProcess('api');
      }
    };
  const post = phase('/api/v1/jobs', 1, () => job(0));
  if (system === 'http-floor') return { http_post: post };
  return {
    http_post: post,
    http_batch: phase('/api/v1/jobs/batch', BATCH, () => ({
      jobs: Array.from({ length: BATCH }, (_, i) => job(i)),
    })),
  };
}

async function drain(target: JobqueueTarget, m: Measuring, timeoutMs = 120_000): Promise<void> {
  const deadline = m.now() + timeoutMs;
  while ((await target.unsent()) > 0) {
    if (m.now() > deadline) throw new Error('the outbox did not drain within 120 s');
    await m.sleep(5);
  }
}
