/**
 * What our benchmark processes share: where the services are (set by bench/run.mjs), the
 * databases they may create and drop (jq_bench_* only), and the environment our worker and api
 * processes get, read by libs/config exactly as in production.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dataSourceOptions } from '@app/database';
import { DataSource } from 'typeorm';
import { createPgClient, type PgClient } from '../../tools/dev-services/postgres-server';

/** The repository root (bench/run.mjs sets it: compiled files live under .tmp/bench-build). */
export const ROOT = process.env.JQ_BENCH_ROOT ?? path.resolve(__dirname, '../..');
/** A real ESM import(), which TypeScript's CommonJS output would turn into require(). */
const importEsm = new Function('url', 'return import(url)') as <T>(url: string) => Promise<T>;
/** One of bench/lib's ES modules (common.mjs, phases.mjs, …), shared with the peers' harness. */
export const benchModule = <T>(file: string): Promise<T> =>
  importEsm<T>(pathToFileURL(path.join(ROOT, 'bench/lib', file)).href);

/** The compiled benchmark code (bench/run.mjs builds it with tsc). */
export const BUILD_DIR = process.env.JQ_BENCH_BUILD ?? path.join(ROOT, '.tmp/bench-build');
/**
 * Prefix of the campaign's databases: bench/run.mjs names them per checkout (JQ_BENCH_DB), so
 * two checkouts benchmarking on one server never drop each other's databases.
 */
export const DB_PREFIX = process.env.JQ_BENCH_DB ?? 'jq_bench';
/** Migrated once per harness run; every measurement clones it. */
export const TEMPLATE_DB = `${DB_PREFIX}_template`;
/** Our system's database in a measurement. */
export const JOBQUEUE_DB = `${DB_PREFIX}_jobqueue`;
/** The Lambda-routed system's, beside JOBQUEUE_DB in the lambda phase. */
export const LAMBDA_DB = `${DB_PREFIX}_lambda`;
export const MEMORY_DB = `${DB_PREFIX}_memory`;
/** Every database our benchmark processes create (bench.js teardown drops them). */
export const OUR_DATABASES = [TEMPLATE_DB, JOBQUEUE_DB, LAMBDA_DB, MEMORY_DB];
/** The user our benchmark jobs belong to. */
export const BENCH_USER = 'bench';
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

export function assertLoopback(label: string, url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\./.test(host)))
    throw new Error(`${label} host ${host} is not a loopback address; refusing to run`);
}

export interface Services {
  /** A maintenance database URL on the benchmark's PostgreSQL server (CREATE/DROP DATABASE). */
  adminUrl: string;
  /** The fauxqs emulator: SQS and S3 (path-style). */
  endpoint: string;
}

export function services(): Services {
  const adminUrl = process.env.JQ_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const endpoint = process.env.SQS_ENDPOINT;
  if (!endpoint) throw new Error('SQS_ENDPOINT is not set: run the benchmarks with bench/run.mjs');
  assertLoopback('JQ_ADMIN_URL', adminUrl);
  assertLoopback('SQS_ENDPOINT', endpoint);
  return { adminUrl, endpoint };
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin<T>(adminUrl: string, fn: (c: PgClient) => Promise<T>): Promise<T> {
  const client = createPgClient(adminUrl);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function assertBenchName(name: string): void {
  if (!/^jq_bench_[a-z0-9_]+$/.test(name))
    throw new Error(`refusing to touch database ${name}: benchmarks own jq_bench_* only`);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  assertBenchName(name);
  await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** A fresh, empty database `name` (the api migrates it at boot, as a deploy does); its URL. */
export async function emptyDatabase(adminUrl: string, name: string): Promise<string> {
  await dropDatabase(adminUrl, name);
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  return withDatabase(adminUrl, name);
}

/** Re-creates the template database and runs the project's migrations in it. */
export async function setupTemplate(adminUrl: string): Promise<void> {
  await dropDatabase(adminUrl, TEMPLATE_DB);
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${TEMPLATE_DB}`));
  const ds = new DataSource({
    ...dataSourceOptions({
      url: withDatabase(adminUrl, TEMPLATE_DB),
      runMigrations: false,
      poolSize: 1,
    }),
    logging: false,
  });
  await ds.initialize();
  try {
    await ds.runMigrations();
  } finally {
    await ds.destroy();
  }
}

/** A fresh, migrated database `name` (dropped first if a previous run left it); returns its URL. */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  await dropDatabase(adminUrl, name);
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`));
  return withDatabase(adminUrl, name);
}

export function openDataSource(url: string, poolSize = 4): Promise<DataSource> {
  return new DataSource({
    ...dataSourceOptions({ url, runMigrations: false, poolSize }),
    logging: false,
  }).initialize();
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface Target {
  dbUrl: string;
  endpoint: string;
  queueUrl: string;
  dlqUrl: string;
}

/**
 * The environment of our worker and api processes: production defaults (pool 10, concurrency 50,
 * long polls of 20 s) except what a benchmark must pin. LOG_LEVEL=warn: the peers log nothing per
 * job either. CLEANUP_CRON=off: no scheduled job lands in a measurement. Only the variables named here reach the child: no .env, no stray AWS settings.
 */
export function serviceEnv(t: Target, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    DATABASE_URL: t.dbUrl,
    DATABASE_RUN_MIGRATIONS: 'false',
    SQS_ENDPOINT: t.endpoint,
    SQS_QUEUE_URL: t.queueUrl,
    SQS_DLQ_URL: t.dlqUrl,
    S3_ENDPOINT: t.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    ...(process.env.WORKER_RECEIVERS ? { WORKER_RECEIVERS: process.env.WORKER_RECEIVERS } : {}),
    ...(process.env.DATABASE_POOL_SIZE
      ? { DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE }
      : {}),
    WORKER_HEALTH_PORT: '0',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // no scheduled maintenance jobs in the middle of a measurement
    CLEANUP_CRON: 'off',
    // V8 flags for the service processes (e.g. a heap cap), to see what memory is retained
    ...(process.env.SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SERVICE_NODE_OPTIONS } : {}),
    ...extra,
  };
}

/** A benchmark process's entry: exits with `main`'s code, or 1 after printing its error. */
export function runMain(main: () => Promise<number>): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}

/** Writes `record` to bench/results/<name>-<its ts>.json and prints the path. */
export function writeResult(name: string, record: { ts: string }): void {
  const dir = path.join(ROOT, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${record.ts.replace(/[:.]/g, '-').slice(0, 19)}.json`);
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`result: ${path.relative(ROOT, file)}\n`);
}
