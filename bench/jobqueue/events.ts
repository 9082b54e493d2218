/**
 * Live job events under load (issue 13), run compiled by bench/events.mjs (which builds it,
 * starts the SQS emulator and sets the environment): what BENCH_STREAMS open event streams cost
 * the api (CPU and RSS per stream, CPU per event delivered), how late their status events arrive,
 * and what they cost PostgreSQL per job.
 *
 * One fresh database (migrated by the api at boot), the compiled api and one compiled worker.
 * All clients live in this process: SseClient (test/support) over Node's fetch, whose undici
 * agent keeps one connection per stream; POSTs go through BenchApi's keep-alive undici pool.
 *
 * 1. warm-up: WARM_SECONDS of the steady load below, not measured (JIT, pools).
 * 2. idle, no streams: IDLE_SECONDS; the api's CPU, then its RSS.
 * 3. load, no streams: RATE jobs/s for SECONDS (echo, no delay: pending → processing →
 *    completed), POSTed by the USERS users in turn, until every job is terminal. Recording is
 *    off (no api instance ever streamed): the triggers return after their event_listeners lookup.
 * 4. the streams open: ADMINS admin streams of everyone's jobs, one stream per user (USERS), and
 *    BENCH_STREAMS − USERS − ADMINS one-job streams on jobs the users submitted just before.
 * 5. idle, streams open: IDLE_SECONDS, pings only; CPU and RSS.
 * 6. load, streams open: as 3, and each POSTed job's submitter opens that job's stream as soon as
 *    the 202 comes back, closing its oldest one-job stream, so the mix stays as in 4 and one-job
 *    streams see their job run (a UI opening a job it just submitted).
 *
 * Every live status event of a step-6 job (the ones with an eventId; a one-job stream's first,
 * a snapshot, has none) gives a delay: receive time − its `at` (the database's now() in the
 * transaction that changed the job). Expected events come from job_events: every status event
 * of the user's jobs (user streams), of all jobs (admin streams), and of the job after the
 * status its snapshot showed (one-job streams). Missing or extra events are reported, never
 * hidden (exit code 1; a one-job stream that gets the status its snapshot showed once more, live,
 * is counted apart and tolerated). Writes bench/results/events-<time>.json.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import type { DataSource } from 'typeorm';
import { SseClient } from '../../test/support/sse-client';
import { benchModule, DB_PREFIX, runMain, writeResult } from './bench-env';
import { BenchApi, bearer } from './bench-api';
import type { Measuring } from './http-phases';
import { Standalone } from './standalone';

/** bench/events.mjs names it (JQ_BENCH_DB): only its backends count as the benchmark's. */
const DATABASE = DB_PREFIX;
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const USERS = Number(process.env.BENCH_EVENTS_USERS ?? 100);
const ADMINS = Number(process.env.BENCH_EVENTS_ADMINS ?? 5);
const JOB_STREAMS = STREAMS - USERS - ADMINS;
/** Jobs per second in the load steps. */
const RATE = Number(process.env.BENCH_EVENTS_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_EVENTS_SECONDS ?? 30);
const IDLE_SECONDS = Number(process.env.BENCH_EVENTS_IDLE_SECONDS ?? 20);
const WARM_SECONDS = Number(process.env.BENCH_EVENTS_WARM_SECONDS ?? 5);
/** Streams opening at once in step 4. */
const OPENING = 50;
const METRICS_TOKEN = 'bench-metrics-token-0123456789';

const users = Array.from({ length: USERS }, (_, i) => `events-user-${i + 1}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const fmt = (x: number) => x.toLocaleString('en-US');
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

type Kind = 'job' | 'user' | 'admin';
interface Stream {
  kind: Kind;
  client: SseClient;
  /** The user whose jobs it shows (user streams), the job (one-job streams). */
  userId?: string;
  jobId?: string;
  closedByUs: boolean;
}

/** The api process's resident set, in KiB (VmRSS). */
function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

class Streams {
  readonly all: Stream[] = [];
  /** Open one-job streams, oldest first. */
  private readonly jobs: Stream[] = [];

  constructor(private readonly api: BenchApi) {}

  async open(kind: Kind, as: string, scope: { jobId?: string; userId?: string }): Promise<Stream> {
    const route = scope.jobId ? `/api/v1/jobs/${scope.jobId}/events` : '/api/v1/jobs/events';
    const client = await SseClient.open(`${this.api.url}${route}`, {
      authorization: bearer(as, kind === 'admin' ? 'admin' : 'user'),
    });
    if (client.status !== 200) throw new Error(`GET ${route} answered ${client.status}`);
    const s: Stream = { kind, client, ...scope, closedByUs: false };
    this.all.push(s);
    if (kind === 'job') this.jobs.push(s);
    return s;
  }

  /** Opens `jobId`'s stream for its submitter and closes the oldest one-job stream. */
  async rotate(user: string, jobId: string): Promise<void> {
    const oldest = this.jobs.shift();
    await this.open('job', user, { jobId, userId: user });
    if (oldest) {
      oldest.closedByUs = true;
      oldest.client.close();
    }
  }

  get openCount(): number {
    return this.all.filter((s) => !s.client.ended).length;
  }

  closeAll(): void {
    for (const s of this.all) {
      if (!s.client.ended) s.closedByUs = true;
      s.client.close();
    }
  }
}

/**
 * RATE jobs/s for SECONDS, users in turn; `accepted(user, id)` after each 202. Resolves with the
 * jobs' ids once every POST has answered.
 */
async function steadyLoad(
  api: BenchApi,
  seconds: number,
  tag: string,
  accepted?: (user: string, id: string) => Promise<void>,
): Promise<{ ids: string[]; owners: Map<string, string>; failed: number; unopened: number }> {
  const n = Math.round(RATE * seconds);
  const t0 = performance.now();
  const ids: string[] = [];
  const owners = new Map<string, string>();
  let failed = 0;
  let unopened = 0;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / RATE - performance.now();
    if (wait > 0) await sleep(wait);
    const user = users[i % USERS];
    inFlight.push(
      api
        .post('/api/v1/jobs', user, { jobType: 'echo', payload: { message: `${tag} ${i}` } })
        .then(async (r) => {
          if (r.status !== 202) return void failed++;
          const id = (r.body as { data: { id: string } }).data.id;
          ids.push(id);
          owners.set(id, user);
          await accepted?.(user, id).catch(() => void unopened++);
        })
        .catch(() => void failed++),
    );
  }
  await Promise.all(inFlight);
  return { ids, owners, failed, unopened };
}

async function waitTerminal(db: DataSource, ids: string[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [{ n }] = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1::uuid[]) AND status NOT IN ('completed', 'failed', 'cancelled')`,
      [ids],
    );
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} jobs still unfinished after 120 s`);
    await sleep(100);
  }
}

type Cpu = Record<string, unknown> & { wall_s: number; postgres_ms?: number };
const pct = (cpu: Cpu, k: string) => (typeof cpu[k] === 'number' ? (cpu[k] as number) : NaN);
/** CPU ms of `k` in a window (its % of one core × the window). */
const ms = (cpu: Cpu, k: string) => pct(cpu, k) * cpu.wall_s * 10;

/** Live status events (with an eventId) of `jobs`, by stream. */
function liveStatuses(s: Stream, jobs: Set<string>) {
  return s.client.events.filter(
    (e) => e.event === 'status' && e.data.eventId != null && jobs.has(String(e.data.jobId)),
  );
}

interface EventRow {
  id: string;
  job_id: string;
  user_id: string;
  status: string;
}

/** What each stream should have received of `jobs`' status events, and what it did. */
function tally(streams: Stream[], rows: EventRow[], jobs: Set<string>) {
  const byJob = new Map<string, EventRow[]>();
  const byUser = new Map<string, number>();
  for (const r of rows) {
    byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), r]);
    byUser.set(r.user_id, (byUser.get(r.user_id) ?? 0) + 1);
  }
  const out = {
    expected: 0,
    received: 0,
    missing: 0,
    extra: 0,
    /** Of `extra`: a one-job stream's live event of the status its snapshot already showed. */
    snapshotRepeats: 0,
    /** A few streams whose events differ from what was expected, to look at. */
    examples: [] as Record<string, unknown>[],
  };
  for (const s of streams) {
    const got = liveStatuses(s, jobs).map((e) => String(e.data.eventId));
    let want: string[];
    let shown: unknown;
    if (s.kind === 'admin') want = rows.map((r) => r.id);
    else if (s.kind === 'user') want = rows.filter((r) => r.user_id === s.userId).map((r) => r.id);
    else {
      if (!jobs.has(s.jobId!)) continue;
      // after the status its snapshot showed (the stream's first status event)
      const first = s.client.events.find((e) => e.event === 'status' && e.data.eventId == null);
      shown = first?.data.status;
      const history = byJob.get(s.jobId!) ?? [];
      const at = first ? history.map((r) => r.status).lastIndexOf(String(shown)) : -1;
      want = history.slice(at + 1).map((r) => r.id);
    }
    const gotSet = new Set(got);
    const wantSet = new Set(want);
    out.expected += want.length;
    out.received += got.length;
    const missing = want.filter((id) => !gotSet.has(id)).length;
    const extra = got.filter((id) => !wantSet.has(id)).length + (got.length - gotSet.size);
    out.missing += missing;
    out.extra += extra;
    const repeats =
      shown === undefined
        ? 0
        : got.filter((id) => !wantSet.has(id) && rows.find((r) => r.id === id)?.status === shown)
            .length;
    out.snapshotRepeats += repeats;
    if ((missing || extra > repeats) && out.examples.length < 8) {
      const named = (ids: string[]) =>
        ids.map((id) => `${id}:${rows.find((r) => r.id === id)?.status ?? '?'}`);
      out.examples.push({
        kind: s.kind,
        jobId: s.jobId,
        shown,
        got: named(got),
        want: named(want),
        history: named((byJob.get(s.jobId ?? '') ?? []).map((r) => r.id)),
        gotJobs: [...new Set(liveStatuses(s, jobs).map((e) => String(e.data.jobId)))],
      });
    }
  }
  return out;
}

function delays(streams: Stream[], jobs: Set<string>) {
  const all: number[] = [];
  const byKind: Record<Kind, number[]> = { job: [], user: [], admin: [] };
  for (const s of streams)
    for (const e of liveStatuses(s, jobs)) {
      const d = e.receivedAt - Date.parse(String(e.data.at));
      all.push(d);
      byKind[s.kind].push(d);
    }
  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return {
      n: xs.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1],
    };
  };
  return {
    all: stats(all),
    job: stats(byKind.job),
    user: stats(byKind.user),
    admin: stats(byKind.admin),
  };
}

/** jobqueue_event_streams_ended_total and jobqueue_events_sent_total, from the api's /metrics. */
async function streamMetrics(api: BenchApi): Promise<Record<string, number>> {
  const text = await api.getText('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m =
      /^jobqueue_(event_streams_ended_total|events_sent_total)\{(\w+)="([^"]+)"\} (\S+)/.exec(line);
    if (m) out[`${m[1] === 'events_sent_total' ? 'sent' : 'ended'}.${m[3]}`] = Number(m[4]);
  }
  return out;
}

const WARN = /"level":(40|50|60)|\b(WARN|ERROR)\b/;

async function main(): Promise<number> {
  if (JOB_STREAMS < 0) throw new Error('BENCH_STREAMS must be at least USERS + ADMINS');
  const m = await benchModule<Measuring & { quietGate(pct?: number, s?: number): Promise<number> }>(
    'common.mjs',
  );
  const quiet = () => m.quietGate(undefined, Number(process.env.QUIET_MAX_WAIT_S ?? 30));
  const standalone = await Standalone.create(DATABASE, 'jq-events', m);
  let streams: Streams | undefined;
  try {
    const { api, db } = await standalone.startApi(
      {
        RATE_LIMIT_MAX: '1000000',
        QUOTA_UNFINISHED_JOBS: '0',
        EVENTS_MAX_STREAMS: String(STREAMS * 2),
        METRICS_TOKEN,
      },
      64,
    );
    await standalone.startWorker();

    // 1. warm-up
    const warm = await steadyLoad(api, WARM_SECONDS, 'warm');
    await waitTerminal(db, warm.ids);

    // 2. idle, no streams
    const measureIdle = async () => {
      await quiet();
      const a = m.cpuSnapshot();
      await sleep(IDLE_SECONDS * 1000);
      const cpu = m.cpuDelta(a, m.cpuSnapshot()) as Cpu;
      return { cpu, rss: rssKiB(api.process.pid) };
    };
    const idle0 = await measureIdle();

    // 3. load, no streams
    const measureLoad = async (
      tag: string,
      accepted?: (u: string, id: string) => Promise<void>,
    ) => {
      await quiet();
      const a = m.cpuSnapshot();
      const load = await steadyLoad(api!, SECONDS, tag, accepted);
      await waitTerminal(db, load.ids);
      const cpu = m.cpuDelta(a, m.cpuSnapshot()) as Cpu;
      return { ...load, cpu, rss: rssKiB(api.process.pid) };
    };
    const load0 = await measureLoad('none');

    // 4. the streams open
    streams = new Streams(api);
    const pre = await steadyLoad(api, JOB_STREAMS / RATE, 'watched');
    await waitTerminal(db, pre.ids);
    const openT = performance.now();
    const plan: (() => Promise<unknown>)[] = [
      ...Array.from(
        { length: ADMINS },
        (_, i) => () => streams!.open('admin', `admin-${i + 1}`, {}),
      ),
      ...users.map((u) => () => streams!.open('user', u, { userId: u })),
      ...pre.ids
        .slice(0, JOB_STREAMS)
        .map((id) => () => streams!.open('job', pre.owners.get(id)!, { jobId: id })),
    ];
    for (let i = 0; i < plan.length; i += OPENING)
      await Promise.all(plan.slice(i, i + OPENING).map((f) => f()));
    const openSeconds = (performance.now() - openT) / 1000;
    // every stream has had its `ready`
    const deadline = Date.now() + 30_000;
    while (streams.all.some((s) => !s.client.events.some((e) => e.event === 'ready'))) {
      if (Date.now() > deadline) throw new Error('streams without `ready` after 30 s');
      await sleep(100);
    }

    // 5. idle, streams open
    const idle1 = await measureIdle();
    const openBefore = streams.openCount;

    // 6. load, streams open
    const maxEventId = (
      await db.query<{ id: string | null }[]>(`SELECT max(id)::text AS id FROM job_events`)
    )[0].id;
    const eventsBefore = streams.all.reduce((s, x) => s + x.client.events.length, 0);
    const load1 = await measureLoad('streamed', (u, id) => streams!.rotate(u, id));
    await sleep(2000); // the last events on their way
    const eventsDelivered =
      streams.all.reduce((s, x) => s + x.client.events.length, 0) - eventsBefore;
    const openAfter = streams.openCount;
    const jobs = new Set(load1.ids);
    const rows = await db.query<EventRow[]>(
      `SELECT id::text, job_id::text, user_id, status FROM job_events
        WHERE kind = 'status' AND id > $1::bigint AND job_id = ANY($2::uuid[]) ORDER BY job_events.id`,
      [maxEventId ?? '0', load1.ids],
    );
    const counts = tally(streams.all, rows, jobs);
    const delay = delays(streams.all, jobs);
    const resets = streams.all.reduce((s, x) => s + x.client.named('reset').length, 0);
    const droppedByServer = streams.all.filter((s) => s.client.ended && !s.closedByUs).length;
    const metrics = await streamMetrics(api);
    const apiWarnings = api.process
      .output()
      .split('\n')
      .filter((l) => WARN.test(l));

    // figures
    const jobsNone = load0.ids.length;
    const jobsStreamed = load1.ids.length;
    const pgNone = (load0.cpu.postgres_ms ?? NaN) / jobsNone;
    const pgStreamed = (load1.cpu.postgres_ms ?? NaN) / jobsStreamed;
    const apiIdleExtraPct = pct(idle1.cpu, 'api') - pct(idle0.cpu, 'api');
    const apiLoadExtraMs = ms(load1.cpu, 'api') - (ms(load0.cpu, 'api') * jobsStreamed) / jobsNone;
    const rssPerStream = (idle1.rss - idle0.rss) / STREAMS;
    const record = {
      streams: { total: STREAMS, job: JOB_STREAMS, user: USERS, admin: ADMINS },
      rate: RATE,
      seconds: SECONDS,
      idle_seconds: IDLE_SECONDS,
      open_seconds: round(openSeconds, 2),
      open_streams: { before_load: openBefore, after_load: openAfter },
      rss_kib: { idle: idle0.rss, streams_idle: idle1.rss, after_load: load1.rss },
      rss_kib_per_stream: round(rssPerStream, 2),
      api_cpu_pct: {
        idle: pct(idle0.cpu, 'api'),
        streams_idle: pct(idle1.cpu, 'api'),
        load: pct(load0.cpu, 'api'),
        streams_load: pct(load1.cpu, 'api'),
      },
      api_idle_us_per_stream_s: round((apiIdleExtraPct * 1e4) / STREAMS, 2),
      api_load_extra_ms: round(apiLoadExtraMs),
      api_load_us_per_stream_s: round((apiLoadExtraMs * 1000) / STREAMS / load1.cpu.wall_s, 2),
      api_load_us_per_event: round((apiLoadExtraMs * 1000) / eventsDelivered, 1),
      events_delivered: eventsDelivered,
      status_events: counts,
      delay_ms: delay,
      resets,
      dropped_by_server: droppedByServer,
      stream_metrics: metrics,
      pg_ms_per_job: { none: round(pgNone, 3), streams: round(pgStreamed, 3) },
      jobs: {
        none: jobsNone,
        streams: jobsStreamed,
        failed: load0.failed + load1.failed + warm.failed + pre.failed,
      },
      unopened_streams: load1.unopened,
      cpu: { idle: idle0.cpu, streams_idle: idle1.cpu, load: load0.cpu, streams_load: load1.cpu },
      api_warnings: apiWarnings.slice(-20),
      ts: new Date().toISOString(),
    };
    const d = delay.all;
    const dk = (k: Kind) =>
      `${k} p50 ${delay[k].p50} p99 ${delay[k].p99} max ${delay[k].max} (${fmt(delay[k].n)})`;
    const cpuAt = (c: Cpu) =>
      ['api', 'worker', 'postgres', 'fauxqs', 'bench_node', 'other_procs', 'machine_busy']
        .filter((k) => typeof c[k] === 'number')
        .map((k) => `${k.replace(/_busy|bench_|_procs/, '')} ${round(c[k] as number)}`)
        .join(' / ');
    const rows2: [string, string][] = [
      [
        'streams',
        `${fmt(STREAMS)}: ${fmt(JOB_STREAMS)} one-job, ${USERS} user (1 per user), ${ADMINS} admin (everyone's jobs); opened in ${round(openSeconds, 1)} s`,
      ],
      [
        'load',
        `${RATE} jobs/s for ${SECONDS} s (echo, no delay), POSTed by ${USERS} users in turn; with streams each job's submitter opens its stream after the 202 and closes its oldest one-job stream`,
      ],
      [
        'api RSS',
        `idle ${fmt(Math.round(idle0.rss / 1024))} MiB → streams open ${fmt(Math.round(idle1.rss / 1024))} MiB (${round(rssPerStream, 1)} KiB per stream) → after load ${fmt(Math.round(load1.rss / 1024))} MiB`,
      ],
      [
        'api CPU idle (% of a core)',
        `no streams ${pct(idle0.cpu, 'api')}, streams open ${pct(idle1.cpu, 'api')} (${record.api_idle_us_per_stream_s} µs/s per stream)`,
      ],
      [
        'api CPU under load',
        `no streams ${pct(load0.cpu, 'api')}%, streams ${pct(load1.cpu, 'api')}%: +${round(apiLoadExtraMs)} ms, ${record.api_load_us_per_stream_s} µs/s per stream, ${record.api_load_us_per_event} µs per event delivered (${fmt(eventsDelivered)} events)`,
      ],
      [
        'status events (live)',
        `expected ${fmt(counts.expected)}, received ${fmt(counts.received)}, missing ${counts.missing}, extra ${counts.extra} (of which a one-job stream's snapshot status again: ${counts.snapshotRepeats})${counts.examples.length ? `; e.g. ${JSON.stringify(counts.examples.slice(0, 2))}` : ''}`,
      ],
      [
        'delay (receive − at), ms',
        `p50 ${d.p50} p95 ${d.p95} p99 ${d.p99} max ${d.max}; ${dk('job')}; ${dk('user')}; ${dk('admin')}`,
      ],
      [
        'resets / ended by the server',
        `${resets} / ${droppedByServer}; api: ${JSON.stringify(metrics)}`,
      ],
      [
        'PostgreSQL ms per job',
        `no streams ${round(pgNone, 3)}, streams ${round(pgStreamed, 3)} (${round(pgStreamed / pgNone, 2)}×)`,
      ],
      ['cpu% idle', cpuAt(idle0.cpu)],
      ['cpu% streams idle', cpuAt(idle1.cpu)],
      ['cpu% load', cpuAt(load0.cpu)],
      ['cpu% streams load', cpuAt(load1.cpu)],
      [
        'failed POSTs / stream opens',
        `${load0.failed + load1.failed + warm.failed + pre.failed} / ${load1.unopened}`,
      ],
      [
        'api warnings/errors',
        `${apiWarnings.length}${apiWarnings.length ? `: ${apiWarnings.slice(-3).join(' | ')}` : ''}`,
      ],
    ];
    const width = Math.max(...rows2.map(([k]) => k.length));
    process.stdout.write(`\n${rows2.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    writeResult('events', record);
    return counts.missing === 0 && counts.extra === counts.snapshotRepeats ? 0 : 1;
  } finally {
    streams?.closeAll();
    await standalone.close();
  }
}

runMain(main);
