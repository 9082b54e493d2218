import type { AnyHandlerDefinition } from '@app/handlers';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { sign, type SignOptions } from 'jsonwebtoken';
import request from 'supertest';
import { createApiApp } from '../../../apps/api/src/create-api-app';
import { createPipelineFixture, type PipelineFixture } from '../../support/pipeline-fixture';
import type { testConfig } from '../../support/test-config';

type Overrides = Parameters<typeof testConfig>[1];
type TestAgent = ReturnType<typeof request>;

export interface ApiFixture extends PipelineFixture {
  app: NestFastifyApplication;
  /** supertest against the api's real HTTP server (listening on a loopback port). */
  http(): TestAgent;
  /** A valid HS256 token for `sub` signed with the api's JWT_SECRET. */
  token(sub: string, roles?: string | string[], options?: SignOptions): string;
  /** Rows of a table, for asserting what a request did (or did not) write. */
  count(table: 'jobs' | 'queue_messages', where?: string, params?: unknown[]): Promise<number>;
}

/**
 * The real api (createApiApp, Fastify, every global guard, pipe and filter) on a fresh database
 * and a fresh SQS queue pair, plus the pipeline fixture's workers (`startWorker()`) for tests
 * that need jobs to run.
 */
export async function createApiFixture(
  opts: {
    overrides?: Overrides;
    types?: readonly AnyHandlerDefinition[];
    /** Receives of a message before SQS moves it to the DLQ (the fixture's default: 5). */
    maxReceiveCount?: number;
    /** Also a priority lane (SQS_PRIORITY_QUEUE_URL) on the emulator. */
    priorityLane?: boolean;
  } = {},
): Promise<ApiFixture> {
  const pipeline = await createPipelineFixture(opts);
  const app = await createApiApp(pipeline.config, opts.types);
  await app.listen(0, '127.0.0.1');
  const secret = pipeline.config.auth.secret!;
  return {
    ...pipeline,
    app,
    http: () => request(app.getHttpServer()),
    token: (sub, roles = [], options = {}) =>
      signToken(secret, { sub, [pipeline.config.auth.rolesClaim]: roles }, options),
    count: async (table, where = 'TRUE', params = []) => {
      const [row] = await pipeline.db.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`,
        params,
      );
      return row.n;
    },
    close: async () => {
      await app.close();
      await pipeline.close();
    },
  };
}

export function signToken(
  secret: string,
  claims: Record<string, unknown>,
  options: SignOptions = {},
): string {
  const expiry = 'exp' in claims ? {} : { expiresIn: '1h' as const };
  return sign(claims, secret, { algorithm: 'HS256', ...expiry, ...options });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The one error envelope, typed for assertions. */
export interface ErrorBody {
  error: { code: string; message: string; details: { field: string; message: string }[] };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value that satisfies `done`. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

/** A response DTO as it travels: dates are ISO strings. */
export type Wire<T> = {
  [K in keyof T]: T[K] extends Date
    ? string
    : T[K] extends Date | null
      ? string | null
      : T[K] extends (infer U)[]
        ? Wire<U>[]
        : T[K] extends object | null
          ? Wire<T[K]>
          : T[K];
};

/** The body of a supertest response, typed by the test. */
export function body<T>(res: { body: unknown }): T {
  return res.body as T;
}

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
