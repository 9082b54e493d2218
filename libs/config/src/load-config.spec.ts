import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { loadConfig, readEnv } from './load-config';

const VALID = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/jobs',
  SQS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/episode-jobs-queue',
  SQS_DLQ_URL: 'http://127.0.0.1:4566/000000000000/episode-jobs-dlq',
  JWT_SECRET: 'q7Vt2mXc9LpR4sWz8KdN3hFb6YgJ0aEu',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, ['database', 'queue', 'processor', 'http', 'auth', 'log']);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the specification defaults when only the required variables are set', () => {
    const config = loadConfig(VALID, ['database', 'queue', 'processor', 'http', 'log']);
    expect(config.processor).toEqual({
      intervalMs: 5000,
      maxRetries: 3,
      initialRetryDelayMs: 5000,
      cancelWaitMs: 6000,
    });
    expect(config.database).toEqual({
      url: VALID.DATABASE_URL,
      runMigrations: true,
      poolSize: 10,
      timeouts: {
        connectMs: 5000,
        statementMs: 30_000,
        idleInTransactionMs: 30_000,
        queryMs: 35_000,
        keepAliveInitialDelayMs: 10_000,
      },
    });
    expect(config.queue).toEqual({
      queueUrl: VALID.SQS_QUEUE_URL,
      priorityQueueUrl: null,
      dlqUrl: VALID.SQS_DLQ_URL,
      endpoint: undefined,
      region: 'us-east-1',
      waitTimeSeconds: 20,
      connectTimeoutMs: 3000,
      requestTimeoutMs: 30_000,
      jobsPerMessage: 10,
    });
    expect(config.http.port).toBe(3000);
    expect(config.log.level).toBe('info');
  });

  it('parses numbers and booleans from their text', () => {
    const config = loadConfig(
      {
        ...VALID,
        MAX_JOB_RETRIES: '7',
        INITIAL_RETRY_DELAY: '250',
        JOB_PROCESSOR_INTERVAL: '1000',
        DATABASE_RUN_MIGRATIONS: 'false',
      },
      ['database', 'processor'],
    );
    expect(config.processor).toEqual({
      intervalMs: 1000,
      maxRetries: 7,
      initialRetryDelayMs: 250,
      cancelWaitMs: 6000,
    });
    expect(config.database.runMigrations).toBe(false);
  });

  it('names MAX_JOB_RETRIES and the bad value when it is not a number', () => {
    expect(problemsOf({ ...VALID, MAX_JOB_RETRIES: 'abc' })).toEqual([
      expect.stringMatching(/^MAX_JOB_RETRIES .*\(got "abc"\)$/),
    ]);
  });

  it.each([
    ['MAX_JOB_RETRIES', '1.5'],
    ['MAX_JOB_RETRIES', '-1'],
    ['MAX_JOB_RETRIES', '101'],
    ['INITIAL_RETRY_DELAY', '1e3'],
    ['JOB_PROCESSOR_INTERVAL', '50'],
    ['PORT', '70000'],
    ['DATABASE_RUN_MIGRATIONS', 'maybe'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['SQS_QUEUE_URL', 'not a url'],
    ['SQS_PRIORITY_QUEUE_URL', 'not a url'],
    ['SQS_PRIORITY_QUEUE_URL', 'http://127.0.0.1:4566/000000000000/episode-jobs-queue'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '5s'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '0'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '-1'],
    ['DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', '1.5'],
    ['DATABASE_QUERY_TIMEOUT_MS', 'never'],
    ['DATABASE_KEEPALIVE_INITIAL_DELAY_MS', '10'],
    ['SQS_CONNECT_TIMEOUT_MS', '99'],
    ['SQS_REQUEST_TIMEOUT_MS', 'abc'],
  ])('rejects %s=%s with a message naming it', (name, value) => {
    const problems = problemsOf({ ...VALID, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });

  it('reports every missing required variable at once', () => {
    const problems = problemsOf({});
    for (const name of ['DATABASE_URL', 'SQS_QUEUE_URL', 'SQS_DLQ_URL', 'JWT_SECRET']) {
      expect(problems.some((p) => p.startsWith(name) || p.includes(`${name} or`))).toBe(true);
    }
    expect(problems.every((p) => p.endsWith('(it is not set)'))).toBe(true);
  });

  it('never echoes a secret in its message', () => {
    const [problem] = problemsOf({ ...VALID, JWT_SECRET: 'short-secret' });
    expect(problem).toContain('JWT_SECRET');
    expect(problem).not.toContain('short-secret');
  });

  it('accepts a JWKS URL instead of a secret', () => {
    const { JWT_SECRET: _omitted, ...withoutSecret } = VALID;
    void _omitted;
    const config = loadConfig(
      {
        ...withoutSecret,
        JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
        JWT_ISSUER: 'https://idp.example.com/',
        JWT_AUDIENCE: 'jobqueue-api',
      },
      ['auth'],
    );
    expect(config.auth).toMatchObject({
      secret: undefined,
      jwksUrl: 'https://idp.example.com/.well-known/jwks.json',
    });
  });

  it('validates only the sections it is asked for', () => {
    expect(() => loadConfig({ DATABASE_URL: VALID.DATABASE_URL }, ['database'])).not.toThrow();
  });

  it('treats a blank variable as unset', () => {
    expect(
      loadConfig({ ...VALID, MAX_JOB_RETRIES: '  ' }, ['processor']).processor.maxRetries,
    ).toBe(3);
  });
});

describe('timeouts', () => {
  it('reads the database and SQS timeouts from their variables', () => {
    const { database, queue } = loadConfig(
      {
        ...VALID,
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_STATEMENT_TIMEOUT_MS: '2000',
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '3000',
        DATABASE_QUERY_TIMEOUT_MS: '2000',
        DATABASE_KEEPALIVE_INITIAL_DELAY_MS: '4000',
        SQS_CONNECT_TIMEOUT_MS: '500',
        SQS_WAIT_TIME_SECONDS: '0',
        SQS_REQUEST_TIMEOUT_MS: '5000',
      },
      ['database', 'queue'],
    );
    expect(database.timeouts).toEqual({
      connectMs: 1000,
      statementMs: 2000,
      idleInTransactionMs: 3000,
      queryMs: 2000,
      keepAliveInitialDelayMs: 4000,
    });
    expect(queue).toMatchObject({ connectTimeoutMs: 500, requestTimeoutMs: 5000 });
  });

  it('refuses a client query timeout shorter than the server statement timeout, naming both', () => {
    expect(
      problemsOf({
        ...VALID,
        DATABASE_STATEMENT_TIMEOUT_MS: '30000',
        DATABASE_QUERY_TIMEOUT_MS: '29999',
      }),
    ).toEqual([
      'DATABASE_QUERY_TIMEOUT_MS must be at least DATABASE_STATEMENT_TIMEOUT_MS (got 29999 and 30000)',
    ]);
  });

  it('refuses an SQS request timeout that a full long poll would reach, naming both', () => {
    expect(
      problemsOf({ ...VALID, SQS_WAIT_TIME_SECONDS: '20', SQS_REQUEST_TIMEOUT_MS: '24999' }),
    ).toEqual([
      'SQS_REQUEST_TIMEOUT_MS must be at least SQS_WAIT_TIME_SECONDS × 1000 + 5000 (got 24999 and 20 s)',
    ]);
    expect(
      problemsOf({ ...VALID, SQS_WAIT_TIME_SECONDS: '20', SQS_REQUEST_TIMEOUT_MS: '25000' }),
    ).toEqual([]);
  });

  it('reads the optional priority lane URL', () => {
    const lane = 'http://127.0.0.1:4566/000000000000/episode-jobs-priority';
    const { queue } = loadConfig({ ...VALID, SQS_PRIORITY_QUEUE_URL: lane }, ['queue']);
    expect(queue.priorityQueueUrl).toBe(lane);
  });
});

describe('readEnv', () => {
  it('reads .env from the working directory, with the process environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jq-env-'));
    writeFileSync(join(dir, '.env'), 'JQ_SPEC_ONLY_IN_FILE=file\nPATH=from-file\n');
    const env = readEnv(dir);
    expect(env.JQ_SPEC_ONLY_IN_FILE).toBe('file');
    expect(env.PATH).toBe(process.env.PATH);
  });
});

describe('worker section', () => {
  it('parses per-type concurrency limits', () => {
    const { worker } = loadConfig({ WORKER_TYPE_CONCURRENCY: 'thumbnail-generation=2, export=1' }, [
      'worker',
    ]);
    expect(worker.typeConcurrency).toEqual({ 'thumbnail-generation': 2, export: 1 });
    expect(worker.concurrency).toBe(50);
  });

  it('rejects a malformed per-type limit, naming the variable', () => {
    expect(() => loadConfig({ WORKER_TYPE_CONCURRENCY: 'export:1' }, ['worker'])).toThrow(
      /WORKER_TYPE_CONCURRENCY/,
    );
  });

  it('refuses a stall limit that a live worker could cross between two heartbeats', () => {
    expect(() =>
      loadConfig({ WORKER_HEARTBEAT_MS: '5000', RECOVERY_STALL_AFTER_MS: '9000' }, ['worker']),
    ).toThrow(/RECOVERY_STALL_AFTER_MS must exceed 2 × WORKER_HEARTBEAT_MS/);
  });
});
