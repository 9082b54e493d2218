// Settings, loopback guard, /proc CPU accounting, quiet gate and percentiles, shared by every
// system's benchmark process (the peers' adapters and ours). Adapted from the peers' harness
// (../shared/bench/peers/lib/common.mjs): extra processes (our worker, our api) are tracked by
// trackProcess(), Redis uses its own logical database, and PostgreSQL defaults to `jq_bench`
// (bench/run.mjs passes the campaign's database, jq_bench_<checkout>).
import fs from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { assertLoopback } from './loopback.mjs';
import { otherDbTicks, pgDeltaTicks, pgSnapshot, ticksToMs } from './pg-cpu.mjs';
import { CLK_TCK, readProcStat } from './proc-stat.mjs';

export const N = Number(process.env.BENCH_N ?? 20000);
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
export const BULK_CHUNK = Number(process.env.BENCH_BULK_CHUNK ?? 1000);
export const LAT_RATE = Number(process.env.BENCH_LAT_RATE ?? 200); // jobs/s
export const LAT_SECONDS = Number(process.env.BENCH_LAT_SECONDS ?? 10);
/** The peers' database: each peer drops and re-creates its own schema in it. */
export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/jq_bench';
export const REDIS_HOST = process.env.REDIS_HOST ?? '127.0.0.1';
export const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);
/** BullMQ gets a logical database of its own and FLUSHDB, never FLUSHALL. */
export const REDIS_DB = Number(process.env.REDIS_DB ?? 15);
export const SQS_ENDPOINT = process.env.SQS_ENDPOINT ?? 'http://127.0.0.1:4566';

assertLoopback('PG_URL', new URL(PG_URL).hostname);
assertLoopback('REDIS_HOST', REDIS_HOST);
assertLoopback('SQS_ENDPOINT', new URL(SQS_ENDPOINT).hostname);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.now();

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function chunk(arr, size) {
  const out = [];
  for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
  return out;
}

// ---- CPU accounting from /proc (Linux) ----
const NCPU = os.cpus().length;

/** The parent of `pid` (e.g. the postmaster of a backend), or null. */
export function parentPid(pid) {
  return readProcStat(pid)?.ppid ?? null;
}

// Total CPU ticks of a process tree root plus its live children (Redis, the emulator, our worker,
// api and Lambda endpoint with its function instances). Exited children are counted through the
// root's cutime/cstime once reaped. PostgreSQL is accounted by pg-cpu.mjs instead.
function treeTicks(rootPid) {
  if (!rootPid) return null;
  const root = readProcStat(rootPid);
  if (!root) return null;
  let ticks = root.utime + root.stime + root.cutime + root.cstime;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || d === String(rootPid)) continue;
    const st = readProcStat(d);
    if (st && st.ppid === Number(rootPid)) ticks += st.utime + st.stime;
  }
  return ticks;
}

function machineTicks() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = v;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { total, idle, iowait, steal, irq: irq + softirq };
}

const pids = {
  pg: Number(process.env.PG_PID || 0) || null,
  redis: Number(process.env.REDIS_PID || 0) || null,
  fauxqs: Number(process.env.FAUXQS_PID || 0) || null,
};
/** Processes this benchmark starts itself (our worker, our api): label → pid. */
const tracked = new Map();

/** Reports `pid`'s CPU (with its children) as column `label` from the next snapshot on. */
export function trackProcess(label, pid) {
  tracked.set(label, Number(pid));
}

export function untrackProcess(label) {
  tracked.delete(label);
}

function benchPids() {
  // process.ppid: the driver (run.mjs), idle while a phase runs.
  return new Set(
    [process.pid, process.ppid, pids.pg, pids.redis, pids.fauxqs, ...tracked.values()]
      .filter(Boolean)
      .map(Number),
  );
}

// CPU ticks of every process that is not part of this benchmark (other tenants of the machine).
function othersTicks() {
  const mine = benchPids();
  const m = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (mine.has(pid)) continue;
    const st = readProcStat(d);
    if (!st || mine.has(st.ppid)) continue; // postgres backends are children of the postmaster
    m.set(pid, st.utime + st.stime);
  }
  // except the backends of other databases: other tenants of a shared PostgreSQL server
  for (const [pid, ticks] of otherDbTicks(pids.pg)) m.set(pid, ticks);
  return m;
}

export function othersDeltaPct(a, b) {
  let ticks = 0;
  for (const [pid, t] of b.others) ticks += t - (a.others.get(pid) ?? 0);
  return Math.round((ticks / CLK_TCK / ((b.t - a.t) / 1000)) * 1000) / 10;
}

// Wait until other tenants leave the machine (mostly) idle, so phases are not run against
// someone else's load. Returns seconds waited.
export async function quietGate(
  maxPct = Number(process.env.QUIET_PCT ?? 15),
  maxWaitS = Number(process.env.QUIET_MAX_WAIT_S ?? 300),
) {
  const start = now();
  let calm = 0;
  while ((now() - start) / 1000 < maxWaitS) {
    const a = { t: now(), others: othersTicks() };
    await sleep(1000);
    const pctOthers = othersDeltaPct(a, { t: now(), others: othersTicks() });
    calm = pctOthers <= maxPct ? calm + 1 : 0;
    if (calm >= 2) break;
  }
  return Math.round((now() - start) / 100) / 10;
}

export function cpuSnapshot() {
  return {
    t: now(),
    others: othersTicks(),
    node: process.cpuUsage(),
    pg: pgSnapshot(pids.pg),
    redis: treeTicks(pids.redis),
    fauxqs: treeTicks(pids.fauxqs),
    tracked: new Map([...tracked].map(([label, pid]) => [label, treeTicks(pid)])),
    machine: machineTicks(),
  };
}

// Percent of ONE core (so 200% = both cores of a 2-core box).
export function cpuDelta(a, b) {
  const wallS = (b.t - a.t) / 1000;
  const pct = (ticks) => (ticks == null ? null : Math.round((ticks / CLK_TCK / wallS) * 1000) / 10);
  const nodeS = (b.node.user - a.node.user + b.node.system - a.node.system) / 1e6;
  const dm = {
    total: b.machine.total - a.machine.total,
    idle: b.machine.idle - a.machine.idle,
    iowait: b.machine.iowait - a.machine.iowait,
    steal: b.machine.steal - a.machine.steal,
    irq: (b.machine.irq ?? 0) - (a.machine.irq ?? 0),
  };
  const pgd = a.pg == null || b.pg == null ? null : pgDeltaTicks(a.pg, b.pg);
  const r = {
    wall_s: Math.round(wallS * 1000) / 1000,
    bench_node: Math.round((nodeS / wallS) * 1000) / 10,
    postgres: pgd == null ? null : pct(pgd.counted),
    redis: a.redis == null || b.redis == null ? null : pct(b.redis - a.redis),
    fauxqs: a.fauxqs == null || b.fauxqs == null ? null : pct(b.fauxqs - a.fauxqs),
  };
  let trackedSum = 0;
  for (const [label, after] of b.tracked) {
    const before = a.tracked.get(label);
    r[label] = before == null || after == null ? null : pct(after - before);
    trackedSum += r[label] ?? 0;
  }
  Object.assign(r, {
    machine_busy: Math.round(((dm.total - dm.idle - dm.iowait) / dm.total) * NCPU * 1000) / 10,
    iowait: Math.round((dm.iowait / dm.total) * NCPU * 1000) / 10,
    steal: Math.round((dm.steal / dm.total) * NCPU * 1000) / 10,
    irq_softirq: Math.round((dm.irq / dm.total) * NCPU * 1000) / 10,
  });
  if (pgd) Object.assign(r, pgBreakdown(pgd, pct));
  r.other_procs = othersDeltaPct(a, b);
  // Busy time not attributed to the processes above: kernel softirq (loopback TCP), other tenants.
  r.unattributed =
    Math.round(
      (r.machine_busy -
        r.bench_node -
        (r.postgres ?? 0) -
        (r.redis ?? 0) -
        (r.fauxqs ?? 0) -
        trackedSum) *
        10,
    ) / 10;
  return r;
}

/**
 * The PostgreSQL figures besides `postgres` (% of one core counted for the benchmark, see
 * pg-cpu.mjs): the same in ms, its parts, the server processes by role, other databases apart.
 */
function pgBreakdown(d, pct) {
  const roles = Object.entries(d.roles)
    .map(([role, ticks]) => [role, pct(ticks)])
    .filter(([, v]) => v > 0);
  return {
    postgres_ms: ticksToMs(d.counted),
    postgres_parts: {
      bench_backends: pct(d.parts.bench),
      server_processes: pct(d.parts.server),
      exited_unseen: pct(d.parts.unseen),
    },
    postgres_roles: Object.fromEntries(roles),
    // ms by database: two systems measured side by side each have theirs (the lambda phase)
    postgres_db_ms: Object.fromEntries(Object.entries(d.dbs).map(([db, t]) => [db, ticksToMs(t)])),
    postgres_other_db: pct(d.parts.other_db),
  };
}

// ---- Postgres admin ----
export async function pgAdmin(fn) {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function checkpoint() {
  await pgAdmin((c) => c.query('CHECKPOINT'));
}

// ---- results ----
/** One JSON line on stdout (the driver collects them), also appended to $RESULTS_FILE if set. */
export function emit(rec) {
  const line = JSON.stringify({ ...rec, ts: new Date().toISOString() });
  console.log(line);
  if (process.env.RESULTS_FILE) fs.appendFileSync(process.env.RESULTS_FILE, line + '\n');
}
