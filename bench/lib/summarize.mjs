// Markdown tables from the JSON records of one campaign: per phase, the median over runs (min–max),
// the per-run ratio of ours to each peer measured in the same run (median), PostgreSQL CPU per
// job, CPU per process.
// Re-summarize a file: node bench/lib/summarize.mjs bench/results/bench-*.jsonl
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cell, cpuCell, fmt, foreign, med } from './cells.mjs';
import { lambdaTable } from './lambda-table.mjs';
import { pgMsPerJob } from './pg-cpu.mjs';

const OURS = 'jobqueue';
/** Systems that keep nothing in PostgreSQL: their PG ms/job is the server's background only. */
const NO_PG = new Set(['bullmq-redis']);
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
  lambda: 'Lambda: a no-op echo job through the local Lambda endpoint vs in the worker',
};
/** What a phase's PG ms/job is per. */
const pgLabel = (phase) => (phase === 'process' ? 'PG ms/job processed' : 'PG ms/job enqueued');

const ok = (r) => !r.error && r.ok !== false && (r.rate != null || r.latency_ms?.p99 != null);
/** PG ms/job of a record, or NaN for a system that does not use PostgreSQL. */
const pgMs = (r) => (NO_PG.has(r.system) ? NaN : (pgMsPerJob(r) ?? NaN));
/**
 * /proc counts each process's CPU in 10 ms ticks: under 0.5 s of PostgreSQL CPU in the window
 * (a bulk enqueue of a few thousand jobs) the figure is coarse, and marked "~".
 */
const COARSE_PG_MS = 500;
const coarse = (rs) =>
  rs.some((r) => r.cpu?.postgres_ms != null && r.cpu.postgres_ms < COARSE_PG_MS);
const approx = (isCoarse, text) => (isCoarse && text !== '–' ? `~${text}` : text);

function header(env, measured) {
  const out = [
    `Machine: ${env.nproc} vCPU (${env.cpu_model}), ${env.mem_gib} GiB, Linux ${env.kernel}, Node ${env.node}, ` +
      `PostgreSQL ${env.postgres.server_version} (fsync=${env.postgres.fsync}, synchronous_commit=${env.postgres.synchronous_commit}, ` +
      `shared_buffers=${env.postgres.shared_buffers}${env.postgres.autovacuum ? `, autovacuum=${env.postgres.autovacuum}` : ''})` +
      `${env.redis ? `, Redis ${env.redis}` : ''}. ` +
      `Plan ${env.plan}: ${fmt(env.n)} jobs per phase, ${env.runs} run(s), ${env.ts?.slice(0, 10) ?? ''}.`,
    '',
    'Packages: ' +
      Object.entries(env.packages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') +
      '.',
    '',
  ];
  return out.concat(pgLegend(env, measured), '');
}

/** Which PostgreSQL processes PG ms/job counts, from what the records saw. */
function pgLegend(env, measured) {
  const roles = new Set(env?.postgres_server_processes ?? []);
  for (const r of measured)
    for (const role of Object.keys(r.cpu?.postgres_roles ?? {})) roles.add(role);
  roles.delete('postmaster');
  const autovacuum =
    env?.postgres?.autovacuum === 'off'
      ? ' Autovacuum is off on this server, so no autovacuum process ran.'
      : '';
  return [
    '"PG ms/job enqueued" / "PG ms/job processed": milliseconds of CPU the PostgreSQL server spent per job during the ' +
      'timed window (pg % of one core × window seconds × 10 ÷ jobs; `pg_ms_per_job` in the JSON). Counted, from /proc: ' +
      `the postmaster and its children: the backends of the campaign's databases (${env?.bench_db ?? 'jq_bench'}*), ` +
      `the server's own processes (${[...roles].sort().join(', ') || 'none seen'}), and children that lived and died ` +
      'between two 50 ms samples (unnamed). Not counted: backends of other databases (other tenants of the server; ' +
      `their CPU is in "foreign").${autovacuum} "ours ÷ this" for PG ms/job: < 1 = ours cheaper. ` +
      '"~": under 0.5 s of PostgreSQL CPU in the window; /proc counts each process in 10 ms ticks, so the figure is coarse. ' +
      'BullMQ on Redis keeps nothing in PostgreSQL: no figure.',
  ];
}

export function summarize(recs) {
  const env = recs.find((r) => r.system === 'env');
  const measured = recs.filter((r) => r.system !== 'env');
  const out = env ? header(env, measured) : pgLegend(undefined, measured).concat('');
  out.push(
    'Cells: median over runs (min–max). "ours ÷ this": per-run ratio of our figure to this system\'s, measured in the same run, median. ' +
      'CPU: median % of one core during the timed window (node = the benchmark process: producer, and the worker for the peers; ' +
      'worker/api/lambda = our own processes (lambda: the local Lambda endpoint and its function instances); pg = PostgreSQL as counted above; ' +
      'machine = everything, 200 = both cores of a 2-core box). ' +
      '"foreign": max over runs of busy CPU not spent by this benchmark (other tenants, other databases\' backends included).',
  );
  const phases = [...new Set(measured.map((r) => r.phase))];
  const matrix = [];
  for (const phase of phases) {
    const rs = measured.filter((r) => r.phase === phase);
    out.push('', `### ${PHASE_TITLE[phase] ?? phase}`, '');
    if (phase === 'lambda') {
      out.push(lambdaTable(rs));
      continue;
    }
    const row = phaseTable(phase, rs, out);
    matrix.push(row);
  }
  out.push(...besidePeers(matrix));
  return `${out.join('\n')}\n`;
}

/** One phase's table into `out`; returns ours and the ratios for "Ours beside each peer". */
function phaseTable(phase, rs, out) {
  const systems = [...new Set(rs.map((r) => r.system))];
  const oursSys = systems.find((s) => s.startsWith(OURS));
  const oursByRun = new Map(rs.filter((r) => r.system === oursSys && ok(r)).map((r) => [r.run, r]));
  const ratio = (system, key) =>
    med(
      rs
        .filter((r) => r.system === system && ok(r) && oursByRun.has(r.run))
        .map((r) => key(oursByRun.get(r.run)) / key(r)),
    );
  const isLatency = phase === 'latency';
  const isHttp = phase.startsWith('http_');
  const pgHead = pgLabel(phase);
  const head = isLatency
    ? ['system', 'p50 ms', 'p99 ms', 'achieved jobs/s', 'ours p99 ÷ this p99', 'CPU %', 'foreign']
    : isHttp
      ? [
          'system',
          'jobs/s',
          'req/s',
          'p50 ms',
          'p99 ms',
          'non-2xx + errors',
          pgHead,
          'CPU %',
          'foreign',
        ]
      : [
          'system',
          'jobs/s',
          'ours ÷ this',
          pgHead,
          'ours ÷ this (PG)',
          'call p50 / p99 ms',
          'CPU %',
          'foreign',
        ];
  out.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  const oursCoarse = coarse([...oursByRun.values()]);
  const row = { phase, ours: NaN, oursPg: NaN, oursCoarse, ratios: {}, pgRatios: {} };
  for (const system of systems) {
    const all = rs.filter((r) => r.system === system);
    const good = all.filter(ok);
    const failed = all.length - good.length;
    const name = `${LABEL[system] ?? system}${failed ? ` (${failed} failed)` : ''}`;
    const cpu = good.length ? cpuCell(good.map((r) => r.cpu)) : '–';
    const noise = good.length ? fmt(Math.max(...good.map((r) => foreign(r.cpu)))) : '–';
    const rate = good.map((r) => r.rate);
    const pg = NO_PG.has(system) ? 'no PG' : approx(coarse(good), cell(good.map(pgMs), 3));
    const mine = system === oursSys;
    if (isLatency) {
      const p99 = (r) => r.latency_ms?.p99;
      const rel = mine ? '–' : fmt(ratio(system, p99), 2);
      out.push(
        `| ${name} | ${cell(
          good.map((r) => r.latency_ms?.p50),
          1,
        )} | ${cell(good.map(p99), 1)} | ${cell(good.map((r) => r.achieved_rate))} | ${rel} | ${cpu} | ${noise} |`,
      );
      if (mine) row.ours = med(good.map(p99));
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
        )} | ${fmt(bad)} | ${pg} | ${cpu} | ${noise} |`,
      );
      row.ours = med(rate);
    } else {
      const rel = mine
        ? '–'
        : `${fmt(
            ratio(system, (r) => r.rate),
            2,
          )}×`;
      const pgRel =
        mine || NO_PG.has(system)
          ? '–'
          : approx(oursCoarse || coarse(good), fmt(ratio(system, pgMs), 2));
      const call = good.some((r) => r.call_ms)
        ? `${cell(
            good.map((r) => r.call_ms?.p50),
            2,
          )} / ${cell(
            good.map((r) => r.call_ms?.p99),
            2,
          )}`
        : '–';
      out.push(
        `| ${name} | ${cell(rate)} | ${rel} | ${pg} | ${pgRel} | ${call} | ${cpu} | ${noise} |`,
      );
      if (mine) {
        row.ours = med(rate);
        row.oursPg = med(good.map(pgMs));
      } else {
        row.ratios[system] = ratio(system, (r) => r.rate);
        row.pgRatios[system] = NO_PG.has(system)
          ? 'no PG'
          : approx(oursCoarse || coarse(good), fmt(ratio(system, pgMs), 2));
      }
    }
  }
  if (isHttp && systems.includes(FLOOR)) {
    const r = (key) => fmt(ratio(FLOOR, key), 2);
    out.push(
      '',
      `Ours ÷ floor (same run, median): ${r((x) => x.req_per_s)}× req/s, p99 ${r((x) => x.latency_ms?.p99)}×.`,
    );
  }
  return row;
}

/** Ours ÷ each peer per phase: jobs/s (or latency p99), and PG ms/job on the row below. */
function besidePeers(matrix) {
  const peers = [...new Set(matrix.flatMap((m) => Object.keys(m.ratios)))];
  if (!peers.length) return [];
  const out = ['', '### Ours beside each peer', ''];
  out.push(
    'Ours ÷ peer, per run, median. Jobs/s rows: > 1 = ours faster. Latency: ours p99 ÷ peer p99 (< 1 = ours lower). ' +
      'PG ms/job rows (PostgreSQL CPU per job, as counted above): < 1 = ours cheaper; "no PG": the peer keeps nothing in PostgreSQL.',
    '',
  );
  out.push(
    `| phase | ours | ${peers.join(' | ')} |`,
    `|---|---|${peers.map(() => '---').join('|')}|`,
  );
  const cells = (ratios) =>
    peers
      .map((p) =>
        !(p in ratios) ? '' : typeof ratios[p] === 'string' ? ratios[p] : fmt(ratios[p], 2),
      )
      .join(' | ');
  for (const m of matrix.filter((x) => Object.keys(x.ratios).length)) {
    const latency = m.phase === 'latency';
    out.push(
      `| ${m.phase} | ${fmt(m.ours, latency ? 1 : 0)}${latency ? ' ms p99' : ' jobs/s'} | ${cells(m.ratios)} |`,
    );
    if (!latency)
      out.push(
        `| ${m.phase}: ${pgLabel(m.phase)} | ${approx(m.oursCoarse, fmt(m.oursPg, 3))} ms | ${cells(m.pgRatios)} |`,
      );
  }
  return out;
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
