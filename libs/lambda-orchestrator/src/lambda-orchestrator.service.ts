import type { AppConfig, LambdaConfig, LambdaInvocationType } from '@app/config';
import { type LambdaExecutionStatus, queryRows } from '@app/database';
import { JobsBatchService } from '@app/jobs';
import { activeTraceParent } from '@app/tracing';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { type FunctionEvent, LAMBDA_PAYLOAD_LIMITS } from './function-event';
import { FunctionInvoker, type InvocationOutcome } from './function-invoker';
import { toJobError } from './invocation-errors';
import { parseLogTail } from './log-tail';

/** The job attempt a function runs for. */
export interface LambdaJob {
  id: string;
  attempt: number;
  jobType: string;
  userId: string;
  payload: unknown;
}

/** One row of lambda_executions. */
export interface LambdaExecution {
  id: string;
  jobId: string;
  attempt: number;
  functionName: string;
  invocationType: LambdaInvocationType;
  requestId: string | null;
  status: LambdaExecutionStatus;
  result: unknown;
  error: { errorType: string; errorMessage: string } | null;
  logTail: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface LambdaInvocation {
  execution: LambdaExecution;
  outcome: InvocationOutcome;
  /** True when the payload was over the limit and the function reads it from the jobs row. */
  byReference: boolean;
}

export interface WaitOptions {
  /** Which attempt; default: the job's current one. */
  attempt?: number;
  /** Give up after this long, in ms; default: the functions' timeout plus a minute. */
  timeoutMs?: number;
  /** Stop waiting when this fires. */
  signal?: AbortSignal;
}

const EXECUTION_COLUMNS = `id::text AS id, job_id AS "jobId", attempt, function_name AS "functionName",
  invocation_type AS "invocationType", request_id AS "requestId", status, result, error,
  log_tail AS "logTail", started_at AS "startedAt", finished_at AS "finishedAt"`;

/** What an execution row records when it ends. */
type Finished = (
  { ok: true; result: unknown } | { ok: false; errorType: string; errorMessage: string }
) & {
  requestId?: string;
  logTail?: string;
};

const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 1000;

/**
 * The specification's LambdaOrchestrator: invokes a job's function, tracks every invocation in
 * lambda_executions, and turns the outcome into the job's result or into the same retryable or
 * permanent error an in-process handler would throw.
 *
 * - RequestResponse (default): the call returns the result and the log tail, whose lines are
 *   stored in job_logs with source 'lambda'.
 * - Event: fire-and-forget; the function records its outcome (and its own log lines) in
 *   lambda_executions, and waitForCompletion polls for it.
 * - A payload over LAMBDA_PAYLOAD_LIMIT_BYTES (or Lambda's own limit) is sent by reference: the
 *   function reads it from the jobs row. The SQS message never carries payloads either.
 */
@Injectable()
export class LambdaOrchestrator {
  private readonly config: LambdaConfig;

  constructor(
    private readonly invoker: FunctionInvoker,
    private readonly batch: JobsBatchService,
    @InjectEntityManager() private readonly manager: EntityManager,
    config: ConfigService<AppConfig, true>,
  ) {
    this.config = config.get('lambda', { infer: true });
  }

  /**
   * One invocation of `functionName` for `job`'s attempt, recorded in lambda_executions. A
   * function error or a refused call is returned in `outcome`; only an abort or a database
   * error throws.
   */
  async invoke(
    functionName: string,
    job: LambdaJob,
    options: { invocationType?: LambdaInvocationType; signal?: AbortSignal } = {},
  ): Promise<LambdaInvocation> {
    const invocationType = options.invocationType ?? this.config.invocationType;
    const { event, byReference } = this.eventFor(job, invocationType);
    const [execution] = await this.sql<LambdaExecution>(
      `INSERT INTO lambda_executions (job_id, attempt, function_name, invocation_type)
       VALUES ($1, $2, $3, $4) RETURNING ${EXECUTION_COLUMNS}`,
      [job.id, job.attempt, functionName, invocationType],
    );
    let outcome: InvocationOutcome;
    try {
      outcome = await this.invoker.invoke({
        functionName,
        event,
        invocationType,
        signal: options.signal,
      });
    } catch (error) {
      await this.finish(execution.id, {
        ok: false,
        errorType: 'Aborted',
        errorMessage: `stopped waiting: ${String(options.signal?.reason ?? error)}`,
      });
      throw error;
    }
    let stored: LambdaExecution;
    if (invocationType === 'RequestResponse' || !outcome.ok) {
      stored = await this.finish(execution.id, outcome);
      if (outcome.logTail) await this.storeLogTail(job, outcome.logTail);
    } else {
      [stored] = await this.sql<LambdaExecution>(
        `UPDATE lambda_executions SET request_id = $2 WHERE id = $1 RETURNING ${EXECUTION_COLUMNS}`,
        [execution.id, outcome.requestId ?? null],
      );
    }
    return { execution: stored, outcome, byReference };
  }

  /**
   * Polls lambda_executions until the job's attempt has an outcome (Event invocations report
   * theirs there). Throws a retryable error when none arrives within the deadline, and the
   * signal's reason when it fires.
   */
  async waitForCompletion(jobId: string, options: WaitOptions = {}): Promise<LambdaExecution> {
    const attempt = options.attempt ?? (await this.currentAttempt(jobId));
    const timeoutMs = options.timeoutMs ?? this.config.timeoutMs + 60_000;
    const deadline = Date.now() + timeoutMs;
    for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      const [latest] = await this.sql<LambdaExecution>(
        `SELECT ${EXECUTION_COLUMNS} FROM lambda_executions WHERE job_id = $1 AND attempt = $2
         ORDER BY id DESC LIMIT 1`,
        [jobId, attempt],
      );
      if (latest && latest.status !== 'running') return latest;
      if (Date.now() >= deadline) {
        const error = new Error(
          `no outcome from Lambda for job ${jobId} attempt ${attempt} within ${timeoutMs} ms`,
        );
        error.name = 'LambdaTimeoutError';
        throw error;
      }
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())), options.signal);
    }
  }

  /** Every Lambda execution of a job, oldest first, with its outcome and log tail. */
  getExecutionLog(jobId: string): Promise<LambdaExecution[]> {
    return this.sql<LambdaExecution>(
      `SELECT ${EXECUTION_COLUMNS} FROM lambda_executions WHERE job_id = $1 ORDER BY id`,
      [jobId],
    );
  }

  /**
   * Runs a job attempt as a Lambda function and returns its result, or throws the error the
   * attempt fails with (PermanentJobError for what no retry can fix). What the worker calls.
   */
  async runJob(functionName: string, job: LambdaJob, signal?: AbortSignal): Promise<unknown> {
    const { outcome, execution } = await this.invoke(functionName, job, { signal });
    if (!outcome.ok) throw toJobError(functionName, outcome);
    if (execution.invocationType === 'RequestResponse') return outcome.result;
    const done = await this.waitForCompletion(job.id, { attempt: job.attempt, signal });
    if (done.logTail) await this.storeLogTail(job, done.logTail);
    if (done.status === 'succeeded') return done.result;
    const error = done.error ?? { errorType: 'Error', errorMessage: 'failed without an error' };
    throw toJobError(functionName, { ...error, retryable: true, origin: 'function' });
  }

  private eventFor(
    job: LambdaJob,
    invocationType: LambdaInvocationType,
  ): { event: FunctionEvent; byReference: boolean } {
    const traceparent = activeTraceParent(); // the worker's handler span (JobTrace)
    const base: FunctionEvent = {
      jobId: job.id,
      attempt: job.attempt,
      jobType: job.jobType,
      userId: job.userId,
      ...(invocationType === 'Event' ? { reportOutcome: true } : {}),
      ...(traceparent ? { traceparent } : {}),
    };
    const inline = { ...base, payload: job.payload };
    const limit = Math.min(this.config.payloadLimitBytes, LAMBDA_PAYLOAD_LIMITS[invocationType]);
    if (Buffer.byteLength(JSON.stringify(inline)) <= limit)
      return { event: inline, byReference: false };
    return { event: { ...base, payloadRef: { table: 'jobs' } }, byReference: true };
  }

  private async finish(id: string, outcome: Finished): Promise<LambdaExecution> {
    const failed = !outcome.ok;
    const [stored] = await this.sql<LambdaExecution>(
      `UPDATE lambda_executions SET status = $2, result = $3, error = $4, request_id = $5,
         log_tail = $6, finished_at = now()
       WHERE id = $1 RETURNING ${EXECUTION_COLUMNS}`,
      [
        id,
        failed ? 'failed' : 'succeeded',
        outcome.ok ? JSON.stringify(outcome.result ?? null) : null,
        failed
          ? JSON.stringify({ errorType: outcome.errorType, errorMessage: outcome.errorMessage })
          : null,
        outcome.requestId ?? null,
        outcome.logTail ?? null,
      ],
    );
    return stored;
  }

  private async storeLogTail(job: Pick<LambdaJob, 'id' | 'attempt'>, tail: string): Promise<void> {
    await this.batch.appendLogs(
      parseLogTail(tail).map((line) => ({
        jobId: job.id,
        attempt: job.attempt,
        level: line.level,
        message: line.message.slice(0, 10_000),
        source: 'lambda' as const,
      })),
    );
  }

  private async currentAttempt(jobId: string): Promise<number> {
    const [row] = await this.sql<{ attempt: number }>(`SELECT attempt FROM jobs WHERE id = $1`, [
      jobId,
    ]);
    if (!row) throw new Error(`job ${jobId} not found`);
    return row.attempt;
  }

  private sql<T>(sql: string, params: unknown[]): Promise<T[]> {
    return queryRows<T>(this.manager, sql, params);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): Error {
  return new Error(`stopped waiting for Lambda: ${String(signal.reason)}`);
}
