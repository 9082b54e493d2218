/**
 * `npm run bench:http`: POST /api/v1/jobs on Nest's Fastify adapter against its Express adapter,
 * measured in the same run on loopback with autocannon, so the ratio is not skewed by what else
 * the machine does that day. Every request is real work: JWT check, DTO and payload validation,
 * one transaction writing the job and its outbox row, then the relay's SendMessageBatch to SQS.
 *
 * PostgreSQL: DATABASE_URL's server, else 127.0.0.1:5432, else an embedded one; a fresh database
 * `jq_bench_<random>` is created, migrated and dropped. SQS: an emulator on a free loopback port.
 *
 * Options (env): BENCH_DURATION_S (10), BENCH_CONNECTIONS (50), BENCH_ROUNDS (2: E, F, E, F…).
 * GET /health/live (no database, no auth) is measured too: it shows the adapters' own difference,
 * which POST /jobs dilutes with its transaction and SQS send.
 * Results go to stdout and to bench/results/http-adapter-<time>.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import autocannon from 'autocannon';
import { sign } from 'jsonwebtoken';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../libs/database/src';
import { resolvePostgres } from '../../tools/dev-services/postgres-server';
import { createQueuePair, startSqsEmulator } from '../../tools/dev-services/sqs-emulator';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = path.resolve(__dirname, '../..');
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SECRET = 'bench-secret-bench-secret-bench-secret';
/** The endpoint under test, and a bare one that shows the adapters' own difference. */
const ENDPOINTS: Endpoint[] = ['POST /api/v1/jobs', 'GET /health/live'];

type Adapter = 'express' | 'fastify';
type Endpoint = 'POST /api/v1/jobs' | 'GET /health/live';
interface Measure {
  endpoint: Endpoint;
  adapter: Adapter;
  round: number;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function startServer(
  adapter: Adapter,
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'bench/http-adapter/server.ts',
      adapter,
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^listening (\S+)/.exec(line);
      if (match) resolve({ url: match[1], child });
    });
    child.once('exit', (code) => reject(new Error(`${adapter} server exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function measure(url: string, token: string, endpoint: Endpoint, durationS: number) {
  const post = endpoint.startsWith('POST');
  return autocannon({
    url: `${url}${endpoint.split(' ')[1]}`,
    method: post ? 'POST' : 'GET',
    connections: CONNECTIONS,
    duration: durationS,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    ...(post ? { body: JSON.stringify({ jobType: 'echo', payload: { message: 'bench' } }) } : {}),
  });
}

async function main(): Promise<void> {
  const pg = await resolvePostgres();
  const database = `jq_bench_${randomBytes(4).toString('hex')}`;
  await admin(pg.url, `CREATE DATABASE ${database}`);
  const dbUrl = withDatabase(pg.url, database);
  const ds = new DataSource({
    ...dataSourceOptions({ url: dbUrl, runMigrations: false, poolSize: 1 }),
    logging: false,
  });
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  const sqs = await startSqsEmulator();
  const queues = await createQueuePair(sqs.endpoint, `bench-${randomBytes(3).toString('hex')}`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DATABASE_URL: dbUrl,
    DATABASE_RUN_MIGRATIONS: 'false',
    DATABASE_POOL_SIZE: '20',
    SQS_ENDPOINT: sqs.endpoint,
    SQS_QUEUE_URL: queues.queueUrl,
    SQS_DLQ_URL: queues.dlqUrl,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '1000000',
  };
  const token = sign({ sub: 'bench', roles: ['user'] }, SECRET, {
    algorithm: 'HS256',
    expiresIn: '1h',
  });
  const results: Measure[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const adapter of ['express', 'fastify'] as const) {
        const { url, child } = await startServer(adapter, env);
        try {
          for (const endpoint of ENDPOINTS) {
            await measure(url, token, endpoint, 2); // warm-up: JIT, connection pools
            const r = await measure(url, token, endpoint, DURATION_S);
            const m: Measure = {
              endpoint,
              adapter,
              round,
              requestsPerSec: Math.round(r.requests.average),
              latencyP50Ms: r.latency.p50,
              latencyP99Ms: r.latency.p99,
              non2xx: r.non2xx,
              errors: r.errors,
            };
            results.push(m);
            console.log(
              `round ${round} ${adapter.padEnd(7)} ${endpoint.padEnd(18)} ${String(m.requestsPerSec).padStart(6)} req/s  p50 ${m.latencyP50Ms} ms  p99 ${m.latencyP99Ms} ms  non-2xx ${m.non2xx}  errors ${m.errors}`,
            );
          }
        } finally {
          await stop(child);
        }
      }
    }
  } finally {
    await sqs.stop();
    await admin(pg.url, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await pg.stop();
  }
  const best = (e: Endpoint, a: Adapter) =>
    Math.max(
      ...results.filter((r) => r.endpoint === e && r.adapter === a).map((r) => r.requestsPerSec),
    );
  const ratios = Object.fromEntries(
    ENDPOINTS.map((e) => [e, best(e, 'fastify') / best(e, 'express')]),
  );
  console.log(
    `\n${CONNECTIONS} connections, ${DURATION_S} s each, best of ${ROUNDS} rounds, ${os.cpus().length} CPUs:`,
  );
  for (const e of ENDPOINTS)
    console.log(
      `  ${e.padEnd(18)} express ${best(e, 'express')} req/s (baseline), fastify ${best(e, 'fastify')} req/s = ${ratios[e].toFixed(2)}x`,
    );
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `http-adapter-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(
    file,
    JSON.stringify(
      { connections: CONNECTIONS, durationS: DURATION_S, cpus: os.cpus().length, ratios, results },
      null,
      2,
    ),
  );
  console.log(`  results: ${path.relative(ROOT, file)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
