// The burst check of the reliability issue as a repeatable benchmark (npm run bench:burst):
// 2,000 jobs posted at once through the api to ONE worker with WORKER_CONCURRENCY=10 must all
// complete with nothing in the DLQ and nothing re-sent, and the drain is compared with 2,000 ÷ the
// throughput that worker shows in the same run. bench/jobqueue/burst.ts holds the measurement.
//
// Steps: compile the service and bench/jobqueue with tsc into .tmp/bench-burst-build (its own
// directory, so a concurrent `npm run bench` keeps its build), start the fauxqs emulator on
// loopback, run the compiled burst.js (it creates and drops the database jq_bench_burst).
// Exit code: burst.js's (1 when a check fails). Knobs: see burst.ts (BURST_N, BURST_DELAY_MS,
// BURST_IN_FLIGHT, BURST_USERS, BURST_WORKER_CONCURRENCY, BURST_SAMPLE_MS, BURST_STALL_MS) and
// JQ_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parentPid } from './lib/common.mjs';
import { assertLoopback } from './lib/loopback.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = path.join(ROOT, '.tmp/bench-burst-build');
const ENTRY = path.join(BUILD, 'bench/jobqueue/burst.js');

function compile() {
  const t = Date.now();
  fs.rmSync(BUILD, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const args = ['-p', 'bench/tsconfig.json', '--noEmit', 'false', '--noCheck', '--outDir', BUILD];
  try {
    execFileSync(process.execPath, [tsc, ...args], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    // with --noCheck, tsc exits non-zero only on configuration problems and still emits
    if (!fs.existsSync(ENTRY)) throw new Error(`tsc failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  const { paths } = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'),
  ).compilerOptions;
  fs.writeFileSync(
    path.join(BUILD, 'register-paths.js'),
    `require('tsconfig-paths').register({ baseUrl: __dirname, paths: ${JSON.stringify(paths)} });\n`,
  );
  console.log(`compiled into ${path.relative(ROOT, BUILD)} in ${(Date.now() - t) / 1000} s`);
}

/** The project's emulator launcher on a free loopback port; resolves with its endpoint. */
function emulator() {
  const script = path.join(ROOT, 'tools/dev-services/sqs-emulator.mjs');
  const child = spawn(process.execPath, [script, '--port', '0'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const ready = /"event":"ready","endpoint":"([^"]+)"/.exec(line);
      if (ready) resolve({ endpoint: ready[1], child });
    });
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}) before ready`)));
  });
}

/** The postmaster's pid: the parent of our backend (for CPU per process). */
async function postmasterPid(adminUrl) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query('SELECT pg_backend_pid() AS pid');
    return parentPid(rows[0].pid);
  } finally {
    await c.end();
  }
}

async function main() {
  const adminUrl = process.env.JQ_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  assertLoopback('JQ_ADMIN_URL', new URL(adminUrl).hostname);
  compile();
  const pgPid = await postmasterPid(adminUrl);
  const { endpoint, child } = await emulator();
  try {
    const env = {
      ...process.env,
      JQ_ADMIN_URL: adminUrl,
      JQ_BENCH_ROOT: ROOT,
      JQ_BENCH_BUILD: BUILD,
      SQS_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      PG_PID: String(pgPid ?? ''),
      FAUXQS_PID: String(child.pid),
    };
    const run = spawn(
      process.execPath,
      [
        '--disable-warning=NodeVersionSupportWarning',
        '-r',
        path.join(BUILD, 'register-paths.js'),
        ENTRY,
      ],
      { cwd: ROOT, env, stdio: 'inherit' },
    );
    return await new Promise((resolve) => run.once('exit', (code) => resolve(code ?? 1)));
  } finally {
    child.kill('SIGTERM');
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e?.stack ?? e);
    process.exit(1);
  },
);
