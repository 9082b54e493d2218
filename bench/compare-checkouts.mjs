// Processing throughput and PostgreSQL CPU per job of this checkout against another one (the
// previous commit, a branch), alternating runs so both meet the same machine conditions: the
// check behind "a change that adds a feature must not slow the path that does not use it".
//
//   git worktree add ../jq-base <commit> && (cd ../jq-base && npm ci && npm --prefix bench ci)
//   node bench/compare-checkouts.mjs ../jq-base          (ROUNDS=4, BENCH_N=20000)
//
// Each round runs `node bench/run.mjs full` with BENCH_SYSTEMS=jobqueue BENCH_PHASES=process
// RUNS=1 in both checkouts, the order swapped every round, and reads the runs' JSON records. It
// prints every pair, then the medians and the median of the per-round ratios (this ÷ other):
// jobs/s above 1 and PG ms/job below 1 mean this checkout is faster and cheaper.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OTHER = process.argv[2] && path.resolve(process.argv[2]);
if (!OTHER || !fs.existsSync(path.join(OTHER, 'bench/run.mjs'))) {
  console.error('usage: node bench/compare-checkouts.mjs <path of another checkout>');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const env = {
  ...process.env,
  BENCH_SYSTEMS: 'jobqueue',
  BENCH_PHASES: 'process',
  RUNS: '1',
  BENCH_N: process.env.BENCH_N ?? '20000',
};

/** One process-phase run in `root`; its record from the newest results file it wrote. */
function run(root) {
  const before = new Set(fs.readdirSync(path.join(root, 'bench/results'), { withFileTypes: false }));
  execFileSync(process.execPath, ['bench/run.mjs', 'full'], { cwd: root, env, stdio: 'ignore' });
  const file = fs
    .readdirSync(path.join(root, 'bench/results'))
    .filter((f) => f.endsWith('.jsonl') && !before.has(f))
    .sort()
    .at(-1);
  const records = fs
    .readFileSync(path.join(root, 'bench/results', file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const rec = records.find((r) => r.system === 'jobqueue' && r.phase === 'process');
  if (!rec?.ok) throw new Error(`${root}: the run failed (${rec?.error ?? 'no record'})`);
  return { rate: rec.rate, pg: rec.pg_ms_per_job, foreign: rec.cpu?.other_procs ?? null };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const root of [HERE, OTHER]) fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });

const pairs = [];
for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 ? [HERE, OTHER] : [OTHER, HERE];
  const got = Object.fromEntries(order.map((root) => [root, run(root)]));
  const pair = { round, here: got[HERE], other: got[OTHER] };
  pairs.push(pair);
  console.log(
    `round ${round}: this ${pair.here.rate.toFixed(0)} jobs/s, ${pair.here.pg} PG ms/job; ` +
      `other ${pair.other.rate.toFixed(0)} jobs/s, ${pair.other.pg} PG ms/job; ` +
      `ratio ${(pair.here.rate / pair.other.rate).toFixed(3)} / ${(pair.here.pg / pair.other.pg).toFixed(3)}`,
  );
}
const col = (side, key) => pairs.map((p) => p[side][key]);
console.log(`\n| checkout | jobs/s (median, min-max) | PG ms/job (median, min-max) |`);
console.log(`|---|---|---|`);
for (const [name, side] of [
  [`this (${path.relative(process.cwd(), HERE) || '.'})`, 'here'],
  [`other (${path.relative(process.cwd(), OTHER)})`, 'other'],
]) {
  const r = col(side, 'rate');
  const g = col(side, 'pg');
  console.log(
    `| ${name} | ${median(r).toFixed(0)} (${Math.min(...r).toFixed(0)}-${Math.max(...r).toFixed(0)}) | ` +
      `${median(g).toFixed(3)} (${Math.min(...g).toFixed(3)}-${Math.max(...g).toFixed(3)}) |`,
  );
}
console.log(
  `\nthis ÷ other, median of ${ROUNDS} same-round ratios: jobs/s ${median(
    pairs.map((p) => p.here.rate / p.other.rate),
  ).toFixed(3)}, PG ms/job ${median(pairs.map((p) => p.here.pg / p.other.pg)).toFixed(3)}`,
);
