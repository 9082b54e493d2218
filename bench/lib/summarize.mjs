// Markdown tables from the JSON records of one campaign: per phase, the median over runs (min–max),
// the per-run ratio of ours to each peer measured in the same run (median), CPU per process.
// Re-summarize a file: node bench/lib/summarize.mjs bench/results/bench-*.jsonl
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const OURS = 'jobqueue';
/** The bare server our POST /api/v1/jobs is compared with (bench/jobqueue/http-floor-main.ts). */
const FLOOR = 'http-floor';
const LABEL = {
  jobqueue: '**jobqueue (ours)**: JobSubmissionService → outbox → SQS (fauxqs); worker process',
  'jobqueue-http': '**jobqueue (ours)**: api process (Fastify), autocannon',
  'http-floor':
    'floor: bare Fastify route, same JWT, jobs row by group commit (no Nest, outbox, SQS)',
  'bullmq-redis': 'BullMQ, Redis',
  'bullmq-pg': 'BullMQ, PostgreSQL backend',
  pgboss: 'pg-boss',
  graphile: 'graphile-worker (defaults)',
  'graphile-tuned': 'graphile-worker (tuned: localQueue + batched completion)',
  sqs: 'SQS (fauxqs) + sqs-consumer handleMessage + PG UPDATE',
  'sqs-pg': 'PG INSERT + SQS (fauxqs) SendMessage',
  'sqs-batch': 'SQS (fauxqs) + sqs-consumer handleMessageBatch + PG UPDATE',
};
const PHASE_TITLE = {
  enqueue_seq: 'Enqueue, one at a time (each call awaited)',
  enqueue_bulk: 'Enqueue, bulk (1,000 per call; SQS: batches of 10)',
  enqueue_conc: 'Enqueue, 50 calls in flight',
  process: 'Processing of pre-enqueued jobs (first handler start → last completion confirmed)',
  latency: 'Enqueue → handler start latency, open loop',
  http_post: 'HTTP POST /api/v1/jobs (one job per request)',
  http_batch: 'HTTP POST /api/v1/jobs/batch',
};

const med = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const fmt = (x, d = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : '–';
const cell = (xs, d = 0) => {
  const v = xs.filter(Number.isFinite);
  if (!v.length) return '–';
  return v.length === 1
    ? fmt(v[0], d)
    : `${fmt(med(v), d)} (${fmt(Math.min(...v), d)}–${fmt(Math.max(...v), d)})`;
};
const ok = (r) => !r.error && r.ok !== false && (r.rate != null || r.latency_ms?.p99 != null);

function cpuCell(rs) {
  const m = (k) => med(rs.map((r) => r.cpu?.[k]).filter((x) => x != null));
  const parts = [`node ${fmt(m('bench_node'))}`];
  for (const [k, lbl] of [
    ['worker', 'worker'],
    ['api', 'api'],
    ['postgres', 'pg'],
    ['redis', 'redis'],
    ['fauxqs', 'fauxqs'],
  ]) {
    const v = m(k);
    if (Number.isFinite(v) && v >= 1) parts.push(`${lbl} ${fmt(v)}`);
  }
  parts.push(`machine ${fmt(m('machine_busy'))}`);
  return parts.join(' / ');
}
// Busy CPU that belongs to nobody in this benchmark (other tenants), % of one core, max over runs.
const foreign = (r) =>
  Math.max(0, (r.cpu?.unattributed ?? 0) - (r.cpu?.irq_softirq ?? 0), r.cpu?.other_procs ?? 0);

export function summarize(recs) {
  const out = [];
  const env = recs.find((r) => r.system === 'env');
  if (env) {
    out.push(
      `Machine: ${env.nproc} vCPU (${env.cpu_model}), ${env.mem_gib} GiB, Linux ${env.kernel}, Node ${env.node}, ` +
        `PostgreSQL ${env.postgres.server_version} (fsync=${env.postgres.fsync}, synchronous_commit=${env.postgres.synchronous_commit}, ` +
        `shared_buffers=${env.postgres.shared_buffers})${env.redis ? `, Redis ${env.redis}` : ''}. ` +
        `Plan ${env.plan}: ${fmt(env.n)} jobs per phase, ${env.runs} run(s), ${env.ts?.slice(0, 10) ?? ''}.`,
    );
    out.push('');
    out.push(
      'Packages: ' +
        Object.entries(env.packages)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') +
        '.',
    );
    out.push('');
  }
  out.push(
    'Cells: median over runs (min–max). "ours ÷ this": per-run ratio of our figure to this system\'s, measured in the same run, median. ' +
      'CPU: median % of one core during the timed window (node = the benchmark process: producer, and the worker for the peers; ' +
      'worker/api = our own processes; machine = everything, 200 = both cores of a 2-core box). ' +
      '"foreign": max over runs of busy CPU not spent by this benchmark (other tenants).',
  );
  const measured = recs.filter((r) => r.system !== 'env');
  const phases = [...new Set(measured.map((r) => r.phase))];
  const matrix = [];
  for (const phase of phases) {
    const rs = measured.filter((r) => r.phase === phase);
    const systems = [...new Set(rs.map((r) => r.system))];
    const oursSys = systems.find((s) => s.startsWith(OURS));
    const oursByRun = new Map(
      rs.filter((r) => r.system === oursSys && ok(r)).map((r) => [r.run, r]),
    );
    const ratio = (system, key) =>
      med(
        rs
          .filter((r) => r.system === system && ok(r) && oursByRun.has(r.run))
          .map((r) => key(oursByRun.get(r.run)) / key(r)),
      );
    out.push('', `### ${PHASE_TITLE[phase] ?? phase}`, '');
    const isLatency = phase === 'latency';
    const isHttp = phase.startsWith('http_');
    const head = isLatency
      ? ['system', 'p50 ms', 'p99 ms', 'achieved jobs/s', 'ours p99 ÷ this p99', 'CPU %', 'foreign']
      : isHttp
        ? ['system', 'jobs/s', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx + errors', 'CPU %', 'foreign']
        : ['system', 'jobs/s', 'ours ÷ this', 'call p50 / p99 ms', 'CPU %', 'foreign'];
    out.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    const row = { phase, ours: NaN, ratios: {} };
    for (const system of systems) {
      const all = rs.filter((r) => r.system === system);
      const good = all.filter(ok);
      const failed = all.length - good.length;
      const name = `${LABEL[system] ?? system}${failed ? ` (${failed} failed)` : ''}`;
      const cpu = good.length ? cpuCell(good) : '–';
      const noise = good.length ? fmt(Math.max(...good.map(foreign))) : '–';
      const rate = good.map((r) => r.rate);
      if (isLatency) {
        const p99 = (r) => r.latency_ms?.p99;
        const rel = system === oursSys ? '–' : fmt(ratio(system, p99), 2);
        out.push(
          `| ${name} | ${cell(
            good.map((r) => r.latency_ms?.p50),
            1,
          )} | ${cell(good.map(p99), 1)} | ${cell(good.map((r) => r.achieved_rate))} | ${rel} | ${cpu} | ${noise} |`,
        );
        if (system === oursSys) row.ours = med(good.map(p99));
        else row.ratios[system] = ratio(system, p99);
      } else if (isHttp) {
        const bad = good.length ? med(all.map((r) => (r.non2xx ?? 0) + (r.errors ?? 0))) : NaN;
        out.push(
          `| ${name} | ${cell(rate)} | ${cell(good.map((r) => r.req_per_s))} | ${cell(
            good.map((r) => r.latency_ms?.p50),
            1,
          )} | ${cell(
            good.map((r) => r.latency_ms?.p99),
            1,
          )} | ${fmt(bad)} | ${cpu} | ${noise} |`,
        );
        row.ours = med(rate);
      } else {
        const rel =
          system === oursSys
            ? '–'
            : `${fmt(
                ratio(system, (r) => r.rate),
                2,
              )}×`;
        const call = good.some((r) => r.call_ms)
          ? `${cell(
              good.map((r) => r.call_ms?.p50),
              2,
            )} / ${cell(
              good.map((r) => r.call_ms?.p99),
              2,
            )}`
          : '–';
        out.push(`| ${name} | ${cell(rate)} | ${rel} | ${call} | ${cpu} | ${noise} |`);
        if (system === oursSys) row.ours = med(rate);
        else row.ratios[system] = ratio(system, (r) => r.rate);
      }
    }
    if (isHttp && systems.includes(FLOOR)) {
      const r = (key) => fmt(ratio(FLOOR, key), 2);
      out.push(
        '',
        `Ours ÷ floor (same run, median): ${r((x) => x.req_per_s)}× req/s, p99 ${r((x) => x.latency_ms?.p99)}×.`,
      );
    }
    matrix.push(row);
  }
  const peers = [...new Set(matrix.flatMap((m) => Object.keys(m.ratios)))];
  if (peers.length) {
    out.push('', '### Ours beside each peer', '');
    out.push(
      'Jobs/s phases: ours ÷ peer (>1 = ours faster). Latency: ours p99 ÷ peer p99 (<1 = ours lower).',
      '',
    );
    out.push(
      `| phase | ours | ${peers.join(' | ')} |`,
      `|---|---|${peers.map(() => '---').join('|')}|`,
    );
    for (const m of matrix.filter((x) => Object.keys(x.ratios).length)) {
      const unit = m.phase === 'latency' ? ' ms p99' : ' jobs/s';
      out.push(
        `| ${m.phase} | ${fmt(m.ours, m.phase === 'latency' ? 1 : 0)}${unit} | ${peers.map((p) => (p in m.ratios ? fmt(m.ratios[p], 2) : '')).join(' | ')} |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const recs = process.argv.slice(2).flatMap((f) =>
    fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l)),
  );
  process.stdout.write(summarize(recs));
}
