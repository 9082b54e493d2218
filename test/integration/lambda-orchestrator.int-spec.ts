import { AppConfigModule } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { isPermanent, PgSqlClient } from '@app/handlers';
import { JobsBatchService } from '@app/jobs';
import {
  FunctionInvoker,
  InProcessInvoker,
  LambdaOrchestrator,
  LambdaOrchestratorModule,
  type LambdaJob,
} from '@app/lambda-orchestrator';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Pool } from 'pg';
import { createFunctionHandler } from '../../apps/functions/src/runtime/create-function-handler';
import type { LambdaDevServer } from '../../tools/lambda-dev-server/lambda-dev-server';
import { processExists, startSleepyEndpoint } from '../support/lambda-fixture';
import { sleepy, type SleepyPayload } from '../support/lambda-test-handlers';
import { TEST_SETTINGS } from '../support/handler-harness';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

/** Invocations with a payload over this many bytes go by reference (kept tiny on purpose). */
const PAYLOAD_LIMIT = 1000;
const FUNCTION_TIMEOUT_MS = 1500;

describe('LambdaOrchestrator through the local Lambda endpoint (real AwsLambdaInvoker)', () => {
  let db: TestDatabase;
  let server: LambdaDevServer;
  let module: TestingModule;
  let orchestrator: LambdaOrchestrator;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startSleepyEndpoint(db.url, { timeoutMs: FUNCTION_TIMEOUT_MS });
    const config = testConfig(db.url, {
      lambda: {
        endpoint: server.endpoint,
        timeoutMs: FUNCTION_TIMEOUT_MS,
        payloadLimitBytes: PAYLOAD_LIMIT,
      },
    });
    module = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(config),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.database), logging: false }),
        LambdaOrchestratorModule.register(),
      ],
    }).compile();
    await module.init();
    orchestrator = module.get(LambdaOrchestrator);
  });

  afterAll(async () => {
    await module?.close();
    await server?.stop();
    await db?.drop();
  });

  /** A job in `processing` at attempt 1, as the worker holds it while the function runs. */
  async function processingJob(payload: SleepyPayload, attempt = 1): Promise<LambdaJob> {
    const [{ id }] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO jobs (user_id, job_type, payload, status, attempt, started_at)
       VALUES ('alice', 'sleepy', $1, 'processing', $2, now()) RETURNING id`,
      [JSON.stringify(payload), attempt],
    );
    return { id, attempt, jobType: 'sleepy', userId: 'alice', payload };
  }

  const logsOf = (jobId: string) =>
    db.dataSource.query<{ level: string; message: string; source: string; attempt: number }[]>(
      `SELECT level, message, source, attempt FROM job_logs WHERE job_id = $1 ORDER BY id`,
      [jobId],
    );

  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the invocation to fail');
      },
      (error: Error) => error,
    );

  it('returns the function result, records the execution and the progress it wrote', async () => {
    const job = await processingJob({ lines: 2 });
    const result = await orchestrator.runJob('sleepy', job);
    expect(result).toEqual({ attempt: 1, blobLength: 0, jobType: 'sleepy' });
    const [execution] = await orchestrator.getExecutionLog(job.id);
    expect(execution).toMatchObject({
      jobId: job.id,
      attempt: 1,
      functionName: 'sleepy',
      invocationType: 'RequestResponse',
      status: 'succeeded',
      result: { attempt: 1, blobLength: 0, jobType: 'sleepy' },
      error: null,
    });
    expect(execution.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(execution.finishedAt).toBeInstanceOf(Date);
    const [{ progress }] = await db.dataSource.query<{ progress: number }[]>(
      `SELECT progress FROM jobs WHERE id = $1`,
      [job.id],
    );
    expect(progress).toBe(100);
  });

  it('stores the decoded log tail in job_logs with source lambda, levels kept', async () => {
    const job = await processingJob({ lines: 2 });
    await orchestrator.runJob('sleepy', job);
    const logs = await logsOf(job.id);
    expect(logs.every((l) => l.source === 'lambda' && l.attempt === 1)).toBe(true);
    expect(logs.map((l) => l.message)).toEqual(
      expect.arrayContaining(['sleepy: attempt 1 started', 'sleepy: line 1', 'sleepy: done']),
    );
    expect(logs[0].message).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/);
    expect(logs.at(-1)!.message).toMatch(/^REPORT RequestId: .*Duration: [\d.]+ ms/);
    expect(logs.find((l) => l.message === 'sleepy: line 2')!.level).toBe('info');
  });

  it('keeps only the last 4 KB of a long output, as Lambda does', async () => {
    const job = await processingJob({ lines: 400 });
    await orchestrator.runJob('sleepy', job);
    const [execution] = await orchestrator.getExecutionLog(job.id);
    expect(Buffer.byteLength(execution.logTail!)).toBeLessThanOrEqual(4096);
    const messages = (await logsOf(job.id)).map((l) => l.message);
    expect(messages).toContain('sleepy: line 400');
    expect(messages).not.toContain('sleepy: line 1');
  });

  it('turns a thrown error into a retryable failure with the same name and message', async () => {
    const job = await processingJob({ fail: 'error' });
    const error = await failureOf(orchestrator.runJob('sleepy', job));
    expect(isPermanent(error)).toBe(false);
    expect(error).toMatchObject({
      name: 'Error',
      message: 'sleepy: transient failure on attempt 1',
    });
    const [execution] = await orchestrator.getExecutionLog(job.id);
    expect(execution).toMatchObject({
      status: 'failed',
      error: { errorType: 'Error', errorMessage: 'sleepy: transient failure on attempt 1' },
    });
    const warn = (await logsOf(job.id)).find((l) => l.message === 'sleepy: failing attempt 1');
    expect(warn?.level).toBe('warn');
  });

  it('keeps a PermanentJobError permanent across the Lambda boundary', async () => {
    const job = await processingJob({ fail: 'permanent' });
    const error = await failureOf(orchestrator.runJob('sleepy', job));
    expect(isPermanent(error)).toBe(true);
    expect(error.message).toBe('sleepy: permanent failure on attempt 1');
  });

  it('reports "Task timed out after" as a retryable timeout and kills the invocation', async () => {
    const job = await processingJob({ sleepMs: 20_000, ignoreAbort: true });
    const pids: number[] = [];
    const watch = setInterval(() => pids.push(...server.pids), 50);
    const started = Date.now();
    const error = await failureOf(orchestrator.runJob('sleepy', job)).finally(() =>
      clearInterval(watch),
    );
    expect(Date.now() - started).toBeLessThan(FUNCTION_TIMEOUT_MS + 3000);
    expect(isPermanent(error)).toBe(false);
    expect(error.name).toBe('LambdaTimeoutError');
    expect(error.message).toBe('Lambda function "sleepy": Task timed out after 1.50 seconds');
    expect(pids.length).toBeGreaterThan(0);
    expect(server.running).toBe(0);
    expect(pids.filter(processExists)).toEqual([]);
    const messages = (await logsOf(job.id)).map((l) => l.message);
    expect(messages.some((m) => /Task timed out after 1\.50 seconds$/.test(m))).toBe(true);
  });

  it('fails for good, naming the function, when it does not exist', async () => {
    const job = await processingJob({});
    const error = await failureOf(orchestrator.runJob('process-nothing', job));
    expect(isPermanent(error)).toBe(true);
    expect(error.message).toContain('Lambda function "process-nothing" not found');
    expect(error.message).toContain('ResourceNotFoundException');
    const [execution] = await orchestrator.getExecutionLog(job.id);
    expect(execution).toMatchObject({
      status: 'failed',
      error: { errorType: 'ResourceNotFoundException' },
    });
  });

  it('an Event invocation returns at once; waitForCompletion sees the outcome the function recorded', async () => {
    const job = await processingJob({ sleepMs: 300, lines: 1 });
    const invocation = await orchestrator.invoke('sleepy', job, { invocationType: 'Event' });
    expect(invocation.outcome.ok).toBe(true);
    expect(invocation.execution).toMatchObject({ status: 'running', invocationType: 'Event' });
    const done = await orchestrator.waitForCompletion(job.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({
      id: invocation.execution.id,
      status: 'succeeded',
      result: { attempt: 1, blobLength: 0, jobType: 'sleepy' },
    });
    expect(done.logTail).toContain('sleepy: line 1');
  });

  it('runs a job by Event invocation with the same outcome and mapped errors', async () => {
    const eventOrchestrator = new LambdaOrchestrator(
      module.get(FunctionInvoker),
      module.get(JobsBatchService),
      db.dataSource.manager,
      configServiceWith({ invocationType: 'Event' }),
    );
    const ok = await processingJob({ lines: 1 });
    expect(await eventOrchestrator.runJob('sleepy', ok)).toEqual({
      attempt: 1,
      blobLength: 0,
      jobType: 'sleepy',
    });
    expect((await logsOf(ok.id)).map((l) => l.message)).toContain('sleepy: line 1');
    const bad = await processingJob({ fail: 'permanent' });
    const error = await failureOf(eventOrchestrator.runJob('sleepy', bad));
    expect(isPermanent(error)).toBe(true);
  });

  it('passes a payload over the limit by reference; the function reads it from the jobs row', async () => {
    const job = await processingJob({ blob: 'x'.repeat(5000) });
    const invocation = await orchestrator.invoke('sleepy', job);
    expect(invocation.byReference).toBe(true);
    expect(invocation.outcome).toMatchObject({ ok: true, result: { blobLength: 5000 } });
    const small = await orchestrator.invoke('sleepy', await processingJob({ blob: 'x' }));
    expect(small.byReference).toBe(false);
  });

  it('waitForCompletion gives up at its deadline, and when its signal fires', async () => {
    const job = await processingJob({});
    await db.dataSource.query(
      `INSERT INTO lambda_executions (job_id, attempt, function_name, invocation_type)
       VALUES ($1, 1, 'sleepy', 'Event')`,
      [job.id],
    );
    await expect(orchestrator.waitForCompletion(job.id, { timeoutMs: 200 })).rejects.toThrow(
      /no outcome from Lambda for job .* attempt 1 within 200 ms/,
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort('cancelled'), 100);
    await expect(
      orchestrator.waitForCompletion(job.id, { signal: controller.signal }),
    ).rejects.toThrow('stopped waiting for Lambda: cancelled');
  });

  it('stops waiting on a RequestResponse call when the signal fires, and records why', async () => {
    const job = await processingJob({ sleepMs: 1000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort('shutdown'), 200);
    await expect(orchestrator.runJob('sleepy', job, controller.signal)).rejects.toThrow();
    const [execution] = await orchestrator.getExecutionLog(job.id);
    expect(execution).toMatchObject({
      status: 'failed',
      error: { errorType: 'Aborted', errorMessage: 'stopped waiting: shutdown' },
    });
  });

  it('getExecutionLog lists every attempt of a job in order, with outcomes and tails', async () => {
    const job = await processingJob({ fail: 'error', failAttempts: 1 });
    await failureOf(orchestrator.runJob('sleepy', job));
    await db.dataSource.query(`UPDATE jobs SET attempt = 2 WHERE id = $1`, [job.id]);
    await orchestrator.runJob('sleepy', { ...job, attempt: 2 });
    const executions = await orchestrator.getExecutionLog(job.id);
    expect(executions.map((e) => [e.attempt, e.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(executions[1].logTail).toContain('sleepy: attempt 2 started');
  });

  it('InProcessInvoker runs the same entry point in this process with the same outcomes', async () => {
    const pool = new Pool({ connectionString: db.url, max: 2 });
    try {
      const services = {
        s3: undefined as never,
        sql: new PgSqlClient(pool),
        jobs: undefined as never,
        settings: TEST_SETTINGS,
      };
      const invoker = new InProcessInvoker({
        sleepy: createFunctionHandler(sleepy, { services: () => services }),
      });
      const local = new LambdaOrchestrator(
        invoker,
        module.get(JobsBatchService),
        db.dataSource.manager,
        configServiceWith({}),
      );
      const ok = await processingJob({ lines: 1 });
      expect(await local.runJob('sleepy', ok)).toEqual({
        attempt: 1,
        blobLength: 0,
        jobType: 'sleepy',
      });
      expect((await logsOf(ok.id)).map((l) => [l.source, l.message])).toContainEqual([
        'lambda',
        'sleepy: line 1',
      ]);
      const bad = await processingJob({ fail: 'permanent' });
      expect(isPermanent(await failureOf(local.runJob('sleepy', bad)))).toBe(true);
      const missing = await failureOf(local.runJob('nope', await processingJob({})));
      expect(missing.message).toContain('Lambda function "nope" not found');
    } finally {
      await pool.end();
    }
  });

  function configServiceWith(lambda: object) {
    const base = testConfig(db.url).lambda;
    return {
      get: () => ({
        ...base,
        endpoint: server.endpoint,
        timeoutMs: FUNCTION_TIMEOUT_MS,
        ...lambda,
      }),
    } as never;
  }
});
