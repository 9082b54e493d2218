/**
 * The floor of POST /api/v1/jobs (system `http-floor` of the http_post phase): the least a server
 * must do to accept a job durably, with nothing of ours. A bare Fastify route verifies the bearer
 * JWT (HS256, the bench's secret, as a KeyObject like our strategy), and commits one row per
 * request into `jobs` of the same migrated database through a shared multi-row INSERT: requests
 * arriving while INSERTs are in flight go together in the next one (group commit, up to
 * MAX_ROWS, IN_FLIGHT at once, as JobSubmissionService does). It answers 202 with the job's id,
 * status, type and creation time. No Nest, no validation, no outbox row, no SQS.
 *
 * Environment (serviceEnv): DATABASE_URL, JWT_SECRET, HOST, PORT, DATABASE_POOL_SIZE (10).
 * Prints `api listening <url>` once listening, like api-main.
 */
import { createSecretKey } from 'node:crypto';
import fastify from 'fastify';
import { verify } from 'jsonwebtoken';
import { Pool } from 'pg';

const MAX_ROWS = 500;
const IN_FLIGHT = 2;

interface Row {
  userId: string;
  jobType: string;
  payload: string;
}
interface Waiting {
  row: Row;
  done: (error: Error | null, job?: unknown) => void;
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const pool = new Pool({
  connectionString: env('DATABASE_URL'),
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
});
const key = createSecretKey(Buffer.from(env('JWT_SECRET')));
const waiting: Waiting[] = [];
let running = 0;

function next(): void {
  while (running < IN_FLIGHT && waiting.length) {
    const group = waiting.splice(0, MAX_ROWS);
    running++;
    pool
      .query<{ id: string; status: string; job_type: string; created_at: Date }>(
        `INSERT INTO jobs (user_id, job_type, payload)
         SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::jsonb[])
         RETURNING id, status, job_type, created_at`,
        [
          group.map((w) => w.row.userId),
          group.map((w) => w.row.jobType),
          group.map((w) => w.row.payload),
        ],
      )
      .then(
        ({ rows }) => group.forEach((w, i) => w.done(null, rows[i])),
        (error: Error) => group.forEach((w) => w.done(error)),
      )
      .finally(() => {
        running--;
        next();
      });
  }
}

const insert = (row: Row) =>
  new Promise<{ id: string; status: string; job_type: string; created_at: Date }>(
    (resolve, reject) => {
      waiting.push({
        row,
        done: (error, job) => (error ? reject(error) : resolve(job as never)),
      });
      next();
    },
  );

async function main(): Promise<void> {
  const app = fastify({ logger: false });
  app.post('/api/v1/jobs', async (request, reply) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    let sub: unknown;
    try {
      sub = token && (verify(token, key, { algorithms: ['HS256'] }) as { sub?: unknown }).sub;
    } catch {
      sub = undefined;
    }
    if (typeof sub !== 'string') return reply.code(401).send({ error: { code: 'UNAUTHORIZED' } });
    const body = request.body as { jobType?: unknown; payload?: unknown } | null;
    if (typeof body?.jobType !== 'string')
      return reply.code(400).send({ error: { code: 'VALIDATION_FAILED' } });
    const job = await insert({
      userId: sub,
      jobType: body.jobType,
      payload: JSON.stringify(body.payload ?? {}),
    });
    return reply.code(202).send({
      data: { id: job.id, status: job.status, jobType: job.job_type, createdAt: job.created_at },
    });
  });
  const url = await app.listen({ host: env('HOST'), port: Number(env('PORT')) });
  process.on('SIGTERM', () => {
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
  process.stdout.write(`api listening ${url.replace('[::1]', '127.0.0.1')}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
