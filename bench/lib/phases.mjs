// The measured phases, one definition for every system, so ours and the peers run the very same
// loops. Taken from the peers' driver (../shared/bench/peers/bench.mjs) with three hooks for a
// system whose worker is another process:
// - adapter.settle(): awaited inside the timed window of the enqueue phases (ours: the outbox
//   relay has handed every message to SQS, so "enqueued" means what it means for the peers);
// - onStart(data, at): an adapter may give the handler start time itself, in this process's
//   performance.now() clock, instead of calling onStart at the moment the handler runs;
// - adapter.collectStarts(onStart, expected, timeoutMs): for an adapter that learns start
//   times after the fact (ours reads jobs.started_at), called once the timed window has closed.
//
// Adapter interface (see peers/systems/*.mjs): reset(), enqueue(data), enqueueBulk(datas),
// bulkChunk, startWorker(onStart), completed() or pending(pollClient), close(), and optionally
// prefill(n), prepareRows(n), settle(), collectStarts(...).
import pg from 'pg';
import {
  N,
  CONCURRENCY,
  BULK_CHUNK,
  LAT_RATE,
  LAT_SECONDS,
  PG_URL,
  sleep,
  now,
  percentile,
  chunk,
  cpuSnapshot,
  cpuDelta,
  checkpoint,
  emit,
  quietGate,
} from './common.mjs';
import { pgMsPerJob } from './pg-cpu.mjs';

const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

export const stats = (arr) => {
  const s = Float64Array.from(arr.filter((x) => Number.isFinite(x))).sort();
  return {
    p50: round(percentile(s, 50), 2),
    p90: round(percentile(s, 90), 2),
    p99: round(percentile(s, 99), 2),
    max: round(s[s.length - 1], 2),
  };
};

export async function waitFor(cond, timeoutMs, pollMs = 5) {
  const end = now() + timeoutMs;
  while (!(await cond())) {
    if (now() > end) return false;
    await sleep(pollMs);
  }
  return true;
}

const chunkSize = (a) => (a.bulkChunk === 10 ? 10 : BULK_CHUNK);

async function warmup(a) {
  for (let i = 0; i < 200; i++) await a.enqueue({ i: -1 - i, warm: true });
  if (a.settle) await a.settle();
}

async function bulkFill(a, n) {
  const datas = Array.from({ length: n }, (_, i) => ({ i }));
  for (const c of chunk(datas, chunkSize(a))) await a.enqueueBulk(c);
  if (a.settle) await a.settle();
}

/** The timed window of an enqueue phase: `work`, then the adapter's settle(); N jobs. */
async function timedEnqueue(a, work) {
  await warmup(a);
  const c0 = cpuSnapshot();
  const t0 = now();
  await work();
  if (a.settle) await a.settle();
  const sec = (now() - t0) / 1000;
  return { n: N, seconds: round(sec, 3), rate: round(N / sec), cpu: cpuDelta(c0, cpuSnapshot()) };
}

async function phaseEnqueueSeq(a) {
  const lat = new Float64Array(N);
  const rec = await timedEnqueue(a, async () => {
    for (let i = 0; i < N; i++) {
      const t = now();
      await a.enqueue({ i });
      lat[i] = now() - t;
    }
  });
  return { ...rec, call_ms: stats(Array.from(lat)) };
}

async function phaseEnqueueBulk(a) {
  const datas = Array.from({ length: N }, (_, i) => ({ i }));
  const size = chunkSize(a);
  const rec = await timedEnqueue(a, async () => {
    for (const c of chunk(datas, size)) await a.enqueueBulk(c);
  });
  return { ...rec, chunk: size };
}

async function phaseEnqueueConc(a) {
  const lat = new Float64Array(N);
  let next = 0;
  const rec = await timedEnqueue(a, () =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N) {
          const i = next++;
          const t = now();
          await a.enqueue({ i });
          lat[i] = now() - t;
        }
      }),
    ),
  );
  return { ...rec, in_flight: CONCURRENCY, call_ms: stats(Array.from(lat)) };
}

async function phaseProcess(a) {
  if (a.prefill) await a.prefill(N);
  else await bulkFill(a, N);
  await checkpoint();
  const quiet2 = await quietGate();
  const poll = new pg.Client({ connectionString: PG_URL });
  await poll.connect();
  let started = 0;
  let tFirst = null;
  let tLastStart = null;
  const onStart = (_data, at = now()) => {
    if (started === 0 || at < tFirst) tFirst = at;
    if (started === 0 || at > tLastStart) tLastStart = at;
    started++;
  };
  let c0 = cpuSnapshot();
  const tStart = now();
  await a.startWorker(onStart);
  // A worker in its own process (ours) is counted from the moment it is ready: its boot is not
  // part of processing, and its CPU column only exists once it runs.
  if (a.collectStarts) c0 = cpuSnapshot();
  let okStarted;
  let okDone;
  let tDone;
  let cpu;
  if (a.collectStarts) {
    // Completion is confirmed by the backend (a count query); start times are read afterwards.
    okDone = await waitFor(async () => (await a.pending(poll)) === 0, 600_000, 10);
    tDone = now();
    cpu = cpuDelta(c0, cpuSnapshot());
    okStarted = okDone && (await a.collectStarts(onStart, N, 10_000));
  } else {
    okStarted = await waitFor(() => started >= N, 600_000, 5);
    // Backend-confirmed completion: completion events (BullMQ 'completed', sqs-consumer
    // 'message_processed' = after delete) or, for pg-boss / graphile-worker, a count query.
    okDone = okStarted
      ? a.completed
        ? await waitFor(() => a.completed() >= N, 120_000, 2)
        : await waitFor(async () => (await a.pending(poll)) === 0, 120_000, 10)
      : false;
    tDone = now();
    cpu = cpuDelta(c0, cpuSnapshot());
  }
  await poll.end();
  const sec = (tDone - tFirst) / 1000;
  return {
    quiet_wait2_s: quiet2,
    n: N,
    concurrency: CONCURRENCY,
    ok: okStarted && okDone,
    started,
    seconds: round(sec, 3),
    rate: round(N / sec),
    rate_incl_startup: round(N / ((tDone - tStart) / 1000)),
    first_job_ms: round(tFirst - tStart, 1),
    confirm_lag_ms: round(tDone - tLastStart, 1),
    cpu,
  };
}

async function phaseLatency(a) {
  const total = LAT_RATE * LAT_SECONDS;
  if (a.prepareRows) await a.prepareRows(total);
  const lat = new Float64Array(total).fill(NaN);
  const enq = new Float64Array(total).fill(NaN);
  let received = 0;
  const onStart = (d, at = now()) => {
    if (d == null || typeof d.t !== 'number') return;
    if (Number.isNaN(lat[d.i])) {
      lat[d.i] = at - d.t;
      received++;
    }
  };
  await a.startWorker(onStart);
  await sleep(2000); // worker idle and listening / long-polling
  const interval = 1000 / LAT_RATE;
  const inflight = [];
  const c0 = cpuSnapshot();
  const t0 = now();
  for (let i = 0; i < total; i++) {
    const wait = t0 + i * interval - now();
    if (wait >= 1) await sleep(wait);
    const t = now();
    inflight.push(
      a.enqueue({ i, t }).then(() => {
        enq[i] = now() - t;
      }),
    );
  }
  await Promise.all(inflight);
  const sendSec = (now() - t0) / 1000;
  if (a.collectStarts) await a.collectStarts(onStart, total, 60_000);
  const ok = await waitFor(() => received >= total, 60_000, 2);
  const cpu = cpuDelta(c0, cpuSnapshot());
  return {
    n: total,
    target_rate: LAT_RATE,
    achieved_rate: round(total / sendSec),
    ok,
    received,
    latency_ms: stats(Array.from(lat)),
    enqueue_call_ms: stats(Array.from(enq)),
    cpu,
  };
}

export const PHASES = {
  enqueue_seq: phaseEnqueueSeq,
  enqueue_bulk: phaseEnqueueBulk,
  enqueue_conc: phaseEnqueueConc,
  process: phaseProcess,
  latency: phaseLatency,
};

/**
 * One measurement: clean state, CHECKPOINT, quiet gate, the phase, one JSON line. `extra` adds
 * phases only one system has (ours: the HTTP phases). Returns the process exit code.
 */
export async function runOne({ system, phase, run, adapter, extra = {} }) {
  const phases = { ...PHASES, ...extra };
  if (!phases[phase]) throw new Error(`unknown phase ${phase} for ${system}`);
  let rec;
  try {
    await adapter.reset();
    await checkpoint();
    const quietWaitS = await quietGate();
    rec = { quiet_wait_s: quietWaitS, ...(await phases[phase](adapter)) };
    // PostgreSQL CPU per job over the phase's CPU window (enqueued or processed, by phase)
    const pgMs = pgMsPerJob(rec);
    if (pgMs != null) rec.pg_ms_per_job = pgMs;
  } catch (e) {
    rec = { error: String(e?.stack ?? e) };
  }
  emit({ system, phase, run: Number(run), ...rec });
  const killer = setTimeout(() => process.exit(0), 15000);
  killer.unref();
  try {
    await adapter.close();
  } catch (e) {
    console.error('close error', e.message);
  }
  return rec.error ? 1 : 0;
}
