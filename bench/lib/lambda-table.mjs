// The `lambda` phase's table (bench/jobqueue/lambda-phase.ts): per route, latency from the
// enqueue call to the claim and to completion, the run step, the Invoke round trip and the
// PostgreSQL backends' CPU per job; then what the Lambda route adds, per pair of jobs.
import { cell, cpuCell, fmt, foreign, med } from './cells.mjs';

const ROUTES = [
  ['inprocess', 'in the worker (no JOB_ROUTES)'],
  ['lambda', 'Lambda: JOB_ROUTES=echo:lambda:bench-echo, local endpoint, RequestResponse'],
];

/** "p50 / p99" of stats objects (one per run), each the median over runs (min–max). */
const pair = (xs, d = 1) =>
  `${cell(
    xs.map((x) => x?.p50),
    d,
  )} / ${cell(
    xs.map((x) => x?.p99),
    d,
  )}`;

export function lambdaTable(rs) {
  const good = rs.filter((r) => !r.error && r.inprocess && r.lambda);
  const notOk = rs.length - good.filter((r) => r.ok !== false).length;
  const out = [
    `The same no-op echo job to two copies of our system side by side, one job to each at the same moment, ` +
      `${fmt(med(good.map((r) => r.pairs_per_s)))} pairs/s, ${cell(good.map((r) => r.pairs))} pairs per run (after a warm-up). ` +
      'claim = jobs.started_at − the enqueue call; completed = jobs.completed_at − the enqueue call (what a client waits for); ' +
      'run = completed − claim (the only step the route changes); Invoke = the Lambda execution row (the Invoke round trip). ' +
      "PG ms/job: the backends of that route's database, enqueue and processing. " +
      `Ms, median over runs (min–max).${notOk ? ` ${notOk} run(s) not ok (a job did not complete, see the JSON).` : ''}`,
    '',
  ];
  const head = [
    'route',
    'claim p50 / p99',
    'completed p50 / p99',
    'run p50 / p99',
    'Invoke p50 / p99',
    'first job, completed',
    'PG ms/job (its backends)',
  ];
  out.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  if (!good.length) return [...out, '| (no result) |'].join('\n');
  for (const [key, label] of ROUTES) {
    const xs = good.map((r) => r[key]);
    out.push(
      `| ${label} | ${pair(xs.map((x) => x.claim_ms))} | ${pair(xs.map((x) => x.done_ms))} | ${pair(
        xs.map((x) => x.run_ms),
      )} | ${key === 'lambda' ? pair(xs.map((x) => x.invoke_ms)) : '–'} | ${cell(
        xs.map((x) => x.first_job_done_ms),
        1,
      )} | ${cell(
        xs.map((x) => x.pg_backend_ms_per_job),
        3,
      )} |`,
    );
  }
  out.push(
    `| **added by Lambda**: per pair, Lambda job − its in-process twin | | **${pair(
      good.map((r) => r.added_ms),
      2,
    )}** | | | | |`,
  );
  const inst = good.map((r) => r.lambda.function_instances).filter(Boolean);
  out.push(
    '',
    `Both routes in one window: CPU % ${cpuCell(good.map((r) => r.cpu))} (worker_lambda: the Lambda route's worker); ` +
      `PostgreSQL as counted above ${cell(
        good.map((r) => r.pg_ms_per_job),
        3,
      )} ms per job; foreign ${fmt(Math.max(...good.map((r) => foreign(r.cpu))))}. ` +
      `Function instances at the window's start → end: ${inst.map((i) => `${i.before} → ${i.after}`).join(', ')} ` +
      '(a rise is a cold start inside the window). "first job": the first job after the workers started ' +
      '(on the Lambda route, a new function instance: a cold start).',
  );
  return out.join('\n');
}
