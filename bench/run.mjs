// The benchmark campaign: our job queue beside its peers, in one run, interleaved.
//
//   node bench/run.mjs short      npm run bench        (≈2-3 min)
//   node bench/run.mjs full       npm run bench:full   (≈35-50 min on 2 vCPUs)
//   node bench/run.mjs memory [noop|bulk-import|export …]   npm run bench:memory
//
// Steps: install bench/'s own packages if missing (npm ci in bench/), compile our benchmark code
// and the service with tsc into .tmp/bench-build (production runs compiled JavaScript, so the
// measured processes carry no ts-node), start the fauxqs emulator on loopback, create database
// jq_bench (peers' schemas) and the migrated template jq_bench_template (ours), then run every
// (phase, system) as its own process: systems rotate every run, so each run compares systems under
// the same machine conditions. Results: bench/results/bench-<time>.jsonl, .log and .md (tables).
// Database names carry this checkout's tag (jq_bench_<6 hex of its path>), so campaigns run from
// two checkouts against one server neither drop nor count each other's databases.
//
// Knobs (environment): RUNS, BENCH_N, BENCH_SYSTEMS (comma list, overrides the plan's systems),
// BENCH_PHASES (comma list), BENCH_LAT_SECONDS, BENCH_HTTP_BATCH, BENCH_LAMBDA_RATE,
// BENCH_LAMBDA_WARMUP, QUIET_MAX_WAIT_S, QUIET_PCT, BENCH_EVENTS_RECORDING (jobqueue-system.ts),
// JQ_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres), REDIS_HOST/REDIS_PORT/REDIS_DB.
// Every host must be loopback. Databases touched: <db> (peers' schemas), <db>_template,
// <db>_jobqueue, <db>_lambda, <db>_memory, where <db> = jq_bench_<tag> (dropped at the end);
// Redis: logical database REDIS_DB (15) only, shared by every checkout.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { assertLoopback } from './lib/loopback.mjs';
import { classify } from './lib/pg-cpu.mjs';
import { childPids, readTitle } from './lib/proc-stat.mjs';
import { summarize } from './lib/summarize.mjs';
import { copyServiceAssets } from './lib/service-assets.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const BUILD = path.join(ROOT, '.tmp/bench-build');
const NODE = [process.execPath, '--disable-warning=NodeVersionSupportWarning'];
/** This checkout's databases: jq_bench_<tag>, and our own <db>_template, <db>_jobqueue, … */
const DB = `jq_bench_${createHash('sha1').update(ROOT).digest('hex').slice(0, 6)}`;

const OURS = 'jobqueue';
/** The command line of our compiled measurement entry point. */
const ours = (args) => [
  ...NODE,
  '-r',
  path.join(BUILD, 'register-paths.js'),
  path.join(BUILD, 'bench/jobqueue/bench.js'),
  ...args,
];
const ENQUEUE = ['enqueue_seq', 'enqueue_bulk', 'enqueue_conc'];
/** The bare server POST /api/v1/jobs is compared with (bench/jobqueue/http-floor-main.ts). */
const HTTP_FLOOR = 'http-floor';
/** Phases only our system has, and the system name it reports them under. */
const OURS_ONLY = { http_post: 'jobqueue-http', http_batch: 'jobqueue-http', lambda: OURS };
/** Systems our bench.js measures (the floor too, with the same load generator). */
const runsOurs = (system) => system.startsWith(OURS) || system === HTTP_FLOOR;
const PEERS = ['bullmq-redis', 'bullmq-pg', 'pgboss', 'graphile'];
/**
 * Which systems run which phase. graphile-tuned differs from graphile only in its worker, so it
 * is measured where a worker runs; sqs-batch likewise (as in the peers' own run-all.sh).
 */
const PLANS = {
  short: {
    n: 2000,
    runs: 1,
    latSeconds: 5,
    quietMaxWaitS: 0,
    phases: {
      enqueue_seq: [OURS, 'pgboss', 'graphile'],
      enqueue_bulk: [OURS, 'pgboss', 'graphile'],
      enqueue_conc: [OURS, 'pgboss', 'graphile'],
      process: [OURS, 'pgboss', 'graphile-tuned'],
      latency: [OURS, 'pgboss', 'graphile-tuned'],
      http_post: ['jobqueue-http', HTTP_FLOOR],
      http_batch: ['jobqueue-http'],
      lambda: [OURS],
    },
  },
  full: {
    n: 20000,
    runs: 3,
    latSeconds: 10,
    quietMaxWaitS: 300,
    phases: {
      ...Object.fromEntries(ENQUEUE.map((p) => [p, [OURS, ...PEERS, 'sqs', 'sqs-pg']])),
      process: [OURS, ...PEERS, 'graphile-tuned', 'sqs', 'sqs-batch'],
      latency: [OURS, ...PEERS, 'graphile-tuned', 'sqs', 'sqs-batch', 'sqs-pg'],
      http_post: ['jobqueue-http', HTTP_FLOOR],
      http_batch: ['jobqueue-http'],
      lambda: [OURS],
    },
  },
};

const log = (...a) => console.log(...a);

function ensureBenchPackages() {
  if (fs.existsSync(path.join(BENCH, 'node_modules/pg-boss'))) return;
  log("installing the peers' packages into bench/node_modules (npm ci, once)…");
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: BENCH,
    stdio: 'inherit',
  });
}

/** tsc without type checking (the quality gate does that): emits our entry points and the service. */
function build() {
  const t = Date.now();
  fs.rmSync(BUILD, { recursive: true, force: true });
  try {
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        path.join(BENCH, 'tsconfig.json'),
        '--noEmit',
        'false',
        '--noCheck',
      ],
      { cwd: ROOT, stdio: 'pipe' },
    );
  } catch (e) {
    // tsc exits non-zero on configuration problems; with --noCheck it still emits what it can
    if (!fs.existsSync(path.join(BUILD, 'bench/jobqueue/bench.js'))) {
      throw new Error(`tsc failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
  copyServiceAssets(BUILD);
  const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'));
  fs.writeFileSync(
    path.join(BUILD, 'register-paths.js'),
    `// Generated by bench/run.mjs: @app/* imports of the compiled code resolve inside this build.\n` +
      `require('tsconfig-paths').register({ baseUrl: __dirname, paths: ${JSON.stringify(compilerOptions.paths)} });\n`,
  );
  log(
    `compiled the benchmark and the service into ${path.relative(ROOT, BUILD)} in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
}

/** The project's fauxqs launcher (SQS + S3 on one loopback port); it exits with this process. */
function startEmulator() {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'tools/dev-services/sqs-emulator.mjs'), '--port', '0'],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const ev = JSON.parse(line);
        if (ev.event === 'ready') resolve({ endpoint: ev.endpoint, pid: child.pid, child });
      } catch {
        /* not the ready line */
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`sqs emulator exited (${code}) before it was ready`)),
    );
  });
}

/** What every measurement process gets besides the plan's knobs. */
function ourEnv(adminUrl, endpoint) {
  const env = {
    ...process.env,
    JQ_ADMIN_URL: adminUrl,
    SQS_ENDPOINT: endpoint,
    JQ_BENCH_ROOT: ROOT,
    JQ_BENCH_BUILD: BUILD,
    JQ_BENCH_DB: DB,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  delete env.RESULTS_FILE;
  return env;
}

function withDatabase(url, db) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Runs one measurement process; resolves with its JSON record (or an error record). */
function measure(cmd, args, cwd, env, meta, logFile) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let rec = null;
    const out = fs.createWriteStream(logFile, { flags: 'a' });
    out.write(`== run ${meta.run} ${meta.phase} ${meta.system} ${new Date().toISOString()}\n`);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      out.write(`${line}\n`);
      if (line.startsWith('{"system"')) rec = JSON.parse(line);
    });
    child.stderr.on('data', (d) => out.write(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 900_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      out.end();
      resolve(
        rec ?? {
          ...meta,
          run: meta.run,
          error: `exited ${code ?? signal} without a result (see ${path.relative(ROOT, logFile)})`,
        },
      );
    });
  });
}

function rotate(list, k) {
  return list.map((_, i) => list[(i + k) % list.length]);
}

function oneLine(r) {
  if (r.error) return `FAILED: ${String(r.error).split('\n')[0]}`;
  const cpu = r.cpu ?? {};
  const parts = ['bench_node', 'worker', 'api', 'postgres', 'redis', 'fauxqs', 'machine_busy']
    .filter((k) => cpu[k] != null && cpu[k] >= 1)
    .map((k) => `${k.replace('_busy', '').replace('bench_', '')} ${Math.round(cpu[k])}`);
  const extra = r.latency_ms ? ` p50 ${r.latency_ms.p50} ms p99 ${r.latency_ms.p99} ms` : '';
  const rate = r.rate != null ? `${Math.round(r.rate).toLocaleString('en-US')} jobs/s` : '';
  const pgMs = r.pg_ms_per_job != null ? `  pg ${r.pg_ms_per_job} ms/job` : '';
  if (r.added_ms)
    return `Lambda adds p50 ${r.added_ms.p50} ms p99 ${r.added_ms.p99} ms (enqueue → completed)${r.ok === false ? ' (NOT OK)' : ''}`;
  return `${rate}${extra}${r.ok === false ? ' (NOT OK)' : ''}${pgMs}  cpu% ${parts.join(' / ')}`;
}

const PG_SETTINGS = [
  'server_version',
  'fsync',
  'synchronous_commit',
  'shared_buffers',
  'max_connections',
  // whether autovacuum workers can be part of PostgreSQL's CPU per job
  'autovacuum',
];
const PEER_PACKAGES = [
  'bullmq',
  'ioredis',
  'pg-boss',
  'graphile-worker',
  '@aws-sdk/client-sqs',
  'sqs-consumer',
  'pg',
];

/** The machine and the software under test, for the table's header. */
async function machineInfo(pgUrl, redis) {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  const postgres = {};
  for (const k of PG_SETTINGS) {
    postgres[k] = (await c.query(`SHOW ${k}`)).rows[0][k];
  }
  // the postmaster is the parent of our backend (read while the backend lives)
  const backend = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const stat = fs.readFileSync(`/proc/${backend}/stat`, 'utf8');
  const postmaster = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  await c.end();
  // the server's own processes at the start (what PostgreSQL's CPU counts besides backends)
  const serverProcesses = childPids(postmaster)
    .map((pid) => classify(readTitle(pid)))
    .filter((p) => p.cls === 'server')
    .map((p) => p.role);
  const versions = {};
  for (const p of PEER_PACKAGES) {
    versions[p] = JSON.parse(
      fs.readFileSync(path.join(BENCH, 'node_modules', p, 'package.json'), 'utf8'),
    ).version;
  }
  versions.fauxqs = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'node_modules/fauxqs/package.json'), 'utf8'),
  ).version;
  return {
    system: 'env',
    phase: 'env',
    node: process.version,
    nproc: os.cpus().length,
    cpu_model: os.cpus()[0]?.model,
    mem_gib: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    packages: versions,
    postgres,
    postmaster_pid: postmaster,
    bench_db: DB,
    postgres_server_processes: serverProcesses,
    redis: redis.version,
    redis_pid: redis.pid,
  };
}

async function redisInfo(host, port, db) {
  const { Redis } = await import('ioredis');
  const r = new Redis({ host, port, db, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const info = await r.info('server');
    return {
      version: /redis_version:(\S+)/.exec(info)?.[1],
      pid: Number(/process_id:(\d+)/.exec(info)?.[1]),
      flush: () => r.flushdb(),
      close: () => r.quit(),
    };
  } catch (e) {
    r.disconnect();
    throw new Error(`Redis at ${host}:${port} is needed by the BullMQ peers: ${e.message}`);
  }
}

async function campaign(planName) {
  const plan = PLANS[planName];
  const runs = Number(process.env.RUNS ?? plan.runs);
  const n = Number(process.env.BENCH_N ?? plan.n);
  const only = process.env.BENCH_SYSTEMS?.split(',').filter(Boolean);
  const phaseNames =
    process.env.BENCH_PHASES?.split(',').filter(Boolean) ?? Object.keys(plan.phases);
  const phases = phaseNames.map((p) => {
    if (!plan.phases[p]) throw new Error(`unknown phase ${p}`);
    // BENCH_SYSTEMS picks among the systems a phase can run: ours-only phases keep ours only,
    // and the floor runs beside ours in http_post (ours ÷ floor is the figure)
    const systems = !only
      ? plan.phases[p]
      : p in OURS_ONLY
        ? [
            ...only.filter((s) => s === OURS_ONLY[p]),
            ...(p === 'http_post' && only.includes(OURS_ONLY[p]) ? [HTTP_FLOOR] : []),
          ]
        : only.filter((s) => s !== 'jobqueue-http' && s !== HTTP_FLOOR);
    return [p, systems];
  });
  const adminUrl = process.env.JQ_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisHost = process.env.REDIS_HOST ?? '127.0.0.1';
  const redisPort = Number(process.env.REDIS_PORT ?? 6379);
  const redisDb = Number(process.env.REDIS_DB ?? 15);
  assertLoopback('JQ_ADMIN_URL', new URL(adminUrl).hostname);
  assertLoopback('REDIS_HOST', redisHost);

  ensureBenchPackages();
  build();
  const pgUrl = withDatabase(adminUrl, DB);
  const pg = (await import('pg')).default;
  const admin = async (sql) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const needsRedis = phases.some(([, s]) => s.some((x) => x.startsWith('bullmq-redis')));
  const redis = needsRedis ? await redisInfo(redisHost, redisPort, redisDb) : null;
  const emulator = await startEmulator();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const dir = path.join(BENCH, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `bench-${planName}-${stamp}`);
  const results = [];
  let env = ourEnv(adminUrl, emulator.endpoint);
  const record = (r) => {
    results.push(r);
    fs.appendFileSync(`${base}.jsonl`, `${JSON.stringify(r)}\n`);
  };
  try {
    await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${DB}`);
    const env0 = await machineInfo(pgUrl, redis ?? {});
    record({ ...env0, plan: planName, n, runs, ts: new Date().toISOString() });
    env = {
      ...env,
      BENCH_N: String(n),
      BENCH_LAT_SECONDS: process.env.BENCH_LAT_SECONDS ?? String(plan.latSeconds),
      QUIET_MAX_WAIT_S: process.env.QUIET_MAX_WAIT_S ?? String(plan.quietMaxWaitS),
      PG_URL: pgUrl,
      REDIS_HOST: redisHost,
      REDIS_PORT: String(redisPort),
      REDIS_DB: String(redisDb),
      PG_PID: String(env0.postmaster_pid),
      REDIS_PID: String(redis?.pid ?? ''),
      FAUXQS_PID: String(emulator.pid),
    };
    const [setupCmd, ...setupArgs] = ours(['setup']);
    execFileSync(setupCmd, setupArgs, { cwd: ROOT, env, stdio: 'inherit' });

    const total = runs * phases.reduce((s, [, systems]) => s + systems.length, 0);
    log(
      `${planName}: ${n.toLocaleString('en-US')} jobs per phase, ${runs} run(s), ${total} measurements; ` +
        `quiet gate ${env.QUIET_MAX_WAIT_S} s max; log ${path.relative(ROOT, base)}.log`,
    );
    let done = 0;
    const t0 = Date.now();
    for (let run = 1; run <= runs; run++) {
      for (const [phase, systems] of phases) {
        for (const system of rotate(systems, run - 1)) {
          const meta = { system, phase, run };
          const [cmd, ...args] = runsOurs(system)
            ? ours([phase, String(run), system])
            : [...NODE, path.join(BENCH, 'peers/bench.mjs'), system, phase, String(run)];
          const r = await measure(
            cmd,
            args,
            runsOurs(system) ? ROOT : BENCH,
            env,
            meta,
            `${base}.log`,
          );
          record(r);
          done++;
          log(
            `[${done}/${total} ${Math.round((Date.now() - t0) / 1000)}s] run ${run} ${phase.padEnd(12)} ${system.padEnd(15)} ${oneLine(r)}`,
          );
        }
      }
    }
    const table = summarize(results);
    fs.writeFileSync(`${base}.md`, table);
    log(`\n${table}`);
    log(`results: ${path.relative(ROOT, base)}.jsonl  tables: ${path.relative(ROOT, base)}.md`);
    return results.some((r) => r.error) ? 1 : 0;
  } finally {
    emulator.child.kill('SIGTERM');
    if (redis) {
      await redis.flush().catch(() => undefined);
      await redis.close().catch(() => undefined);
    }
    await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch((e) =>
      log(`could not drop ${DB}: ${e.message}`),
    );
    const [cmd, ...args] = ours(['teardown']);
    try {
      execFileSync(cmd, args, { cwd: ROOT, env, stdio: 'inherit' });
    } catch {
      log(`teardown failed: drop the ${DB}_* databases by hand`);
    }
  }
}

async function memory(scenarios) {
  const adminUrl = process.env.JQ_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  assertLoopback('JQ_ADMIN_URL', new URL(adminUrl).hostname);
  build();
  const emulator = await startEmulator();
  const env = ourEnv(adminUrl, emulator.endpoint);
  const run = (entry, args) =>
    new Promise((resolve) => {
      const child = spawn(
        NODE[0],
        [
          ...NODE.slice(1),
          '-r',
          path.join(BUILD, 'register-paths.js'),
          path.join(BUILD, entry),
          ...args,
        ],
        {
          cwd: ROOT,
          env,
          stdio: 'inherit',
        },
      );
      child.once('exit', (code) => resolve(code ?? 1));
    });
  try {
    if ((await run('bench/jobqueue/bench.js', ['setup'])) !== 0) return 1;
    return await run('bench/memory/memory.js', scenarios);
  } finally {
    emulator.child.kill('SIGTERM');
    const code = await run('bench/jobqueue/bench.js', ['teardown']);
    if (code !== 0) log(`teardown failed: drop the ${DB}_* databases by hand`);
  }
}

const [mode = 'short', ...rest] = process.argv.slice(2);
const main = mode === 'memory' ? () => memory(rest) : PLANS[mode] ? () => campaign(mode) : null;
if (!main) {
  console.error('usage: node bench/run.mjs short|full|memory [scenario…]');
  process.exit(2);
}
main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e?.stack ?? e);
    process.exit(1);
  },
);
