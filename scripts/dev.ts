/**
 * `npm start`: the whole service on one machine with nothing started by hand.
 *
 * - PostgreSQL: DATABASE_URL when set; else the server on 127.0.0.1:5432 (database `jobqueue`,
 *   created if missing); else an embedded PostgreSQL kept under .dev-data/postgres.
 * - SQS: SQS_QUEUE_URL/SQS_DLQ_URL when set; else an SQS emulator on 127.0.0.1 with the
 *   specification's queue and DLQ (VisibilityTimeout 300, retention 86400, redrive after 5 receives).
 * - S3: S3_ENDPOINT when set; else the same emulator (it speaks S3 too), with the buckets
 *   `jobqueue-exports` (EXPORT_BUCKET's default) and `jobqueue-media` (videos, manifests).
 * - Lambda: the four library types (thumbnail-generation, export, bulk-import, cleanup-jobs) run
 *   on their functions, as in the specification's "SQS Queue → Lambda Processor"; an entry of
 *   JOB_ROUTES for a type wins (`thumbnail-generation:inprocess` keeps it in the worker). With a
 *   type on Lambda and LAMBDA_ENDPOINT unset, the local Lambda endpoint serving apps/functions
 *   (README "Local Lambda endpoint").
 * - Builds and starts the api and the worker with that environment; Ctrl-C stops everything.
 *
 * A development tool: production runs `node dist/apps/<app>/main.js` with real configuration.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { readEnv } from '@app/config';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { devJwtSecret } from './dev-defaults';
import { resolvePostgres, startEmbeddedPostgres } from '../tools/dev-services/postgres-server';
import { createQueuePair, startSqsEmulator } from '../tools/dev-services/sqs-emulator';
import { startLambdaDevServer } from '../tools/lambda-dev-server/lambda-dev-server';
import { FUNCTIONS } from '../apps/functions/functions';

// Node 20 is this project's runtime; the AWS SDK's notice that it will need 22 in 2027 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = path.resolve(__dirname, '..');
const DEV_DATABASE = 'jobqueue';
const stops: (() => Promise<void>)[] = [];

async function database(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const pg = await resolvePostgres({
    embedded: () =>
      startEmbeddedPostgres({ dataDir: path.join(ROOT, '.dev-data/postgres'), persistent: true }),
  });
  stops.push(pg.stop);
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  const { rowCount } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [
    DEV_DATABASE,
  ]);
  if (!rowCount) await admin.query(`CREATE DATABASE ${DEV_DATABASE}`);
  await admin.end();
  const url = new URL(pg.url);
  url.pathname = `/${DEV_DATABASE}`;
  console.log(
    `postgres  ${pg.source === 'embedded' ? 'embedded, data in .dev-data/postgres' : pg.source}: ${url}`,
  );
  return url.toString();
}

async function queues(): Promise<Record<string, string>> {
  if (process.env.SQS_QUEUE_URL) return {};
  const emulator = await startSqsEmulator({ port: Number(process.env.SQS_EMULATOR_PORT ?? 4566) });
  stops.push(emulator.stop);
  const pair = await createQueuePair(emulator.endpoint, 'episode-jobs-queue', {
    dlqName: 'episode-jobs-dlq',
    priorityLane: true,
  });
  console.log(
    `sqs       emulator at ${emulator.endpoint}: ${pair.queueUrl}, lane ${pair.priorityQueueUrl} (DLQ ${pair.dlqUrl})`,
  );
  return {
    SQS_ENDPOINT: emulator.endpoint,
    SQS_QUEUE_URL: pair.queueUrl,
    SQS_DLQ_URL: pair.dlqUrl,
    ...(pair.priorityQueueUrl ? { SQS_PRIORITY_QUEUE_URL: pair.priorityQueueUrl } : {}),
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  };
}

/** S3 on the SQS emulator (it serves both), with the buckets the job types use, unless S3_ENDPOINT is set. */
async function storage(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  if (process.env.S3_ENDPOINT || !env.SQS_ENDPOINT) return {};
  const s3 = new S3Client({
    endpoint: env.SQS_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test',
    },
  });
  for (const bucket of [env.EXPORT_BUCKET ?? 'jobqueue-exports', 'jobqueue-media']) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
      if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
    });
  }
  s3.destroy();
  console.log(
    `s3        emulator at ${env.SQS_ENDPOINT}: buckets jobqueue-exports, jobqueue-media`,
  );
  return { S3_ENDPOINT: env.SQS_ENDPOINT, S3_FORCE_PATH_STYLE: 'true' };
}

/**
 * JOB_ROUTES of `npm start`: the configured entries, then each function's type that they do not
 * route, on its function (`thumbnail-generation:lambda:process-thumbnails`, …).
 */
function devRoutes(configured: string): string {
  const entries = configured
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const routed = new Set(entries.map((e) => e.split(':')[0].trim()));
  const defaults = FUNCTIONS.filter((fn) => !routed.has(fn.jobType)).map(
    (fn) => `${fn.jobType}:lambda:${fn.name}`,
  );
  return [...entries, ...defaults].join(',');
}

/** The routes, and the local Lambda endpoint when a type goes to Lambda and no endpoint is set. */
async function lambdaEndpoint(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const routes = devRoutes(env.JOB_ROUTES ?? readEnv().JOB_ROUTES ?? '');
  if (!routes.includes(':lambda:') || env.LAMBDA_ENDPOINT || readEnv().LAMBDA_ENDPOINT)
    return { JOB_ROUTES: routes };
  const server = await startLambdaDevServer({
    functions: FUNCTIONS.map((fn) => ({
      ...fn,
      env: { ...readEnv(), ...env } as Record<string, string>,
    })),
  });
  stops.push(server.stop);
  console.log(`lambda    local Lambda endpoint at ${server.endpoint} (JOB_ROUTES: ${routes})`);
  return { JOB_ROUTES: routes, LAMBDA_ENDPOINT: server.endpoint };
}

function run(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', script], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      console.error(`${name} exited (${signal ?? code}); stopping the rest`);
      void shutdown(1);
    }
  });
  return child;
}

let shuttingDown = false;
const children: ChildProcess[] = [];
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) =>
          c.exitCode !== null ? resolve() : (c.once('exit', () => resolve()), c.kill('SIGTERM')),
        ),
    ),
  );
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  process.exit(code);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  console.log('building api and worker…');
  for (const app of ['api', 'worker']) {
    const build = spawnSync(
      process.execPath,
      [require.resolve('@nestjs/cli/bin/nest.js'), 'build', app],
      { cwd: ROOT, stdio: 'inherit' },
    );
    if (build.status !== 0) throw new Error(`nest build ${app} failed`);
  }

  // the same secret `npm run token` signs with: the environment's or .env's when it is strong
  const jwt = devJwtSecret(readEnv().JWT_SECRET);
  if (jwt.note) console.log(jwt.note);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: await database(),
    ...(await queues()),
    JWT_SECRET: jwt.secret,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  Object.assign(env, await storage(env));
  Object.assign(env, await lambdaEndpoint(env));
  const port = env.PORT ?? '3000';
  children.push(run('api', 'dist/apps/api/apps/api/src/main.js', env));
  children.push(run('worker', 'dist/apps/worker/apps/worker/src/main.js', env));
  console.log(`
  api      http://127.0.0.1:${port}/api/v1/jobs
  swagger  http://127.0.0.1:${port}/docs
  dashboard http://127.0.0.1:${port}/dashboard   (sign in with a token from the line below)
  health   http://127.0.0.1:${port}/health   (worker: http://127.0.0.1:${env.WORKER_HEALTH_PORT ?? '3001'}/health)
  token    npm run token -- --sub alice --role admin
  Ctrl-C stops everything.
`);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await shutdown(1);
});
