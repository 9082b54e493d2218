import 'reflect-metadata';
import type {
  HandlerContext,
  HandlerDefinition,
  HandlerLogLevel,
  HandlerServices,
  JobCatalogue,
  SqlClient,
} from '@app/handlers';
import { progressStatement } from '@app/jobs/sql';
import type { FunctionEvent, FunctionRuntimeContext } from '@app/lambda-orchestrator';
import { plainToInstance } from 'class-transformer';
import { servicesFromEnvironment } from './function-services';
import { traceInvocation } from './function-tracing';

export interface FunctionHandlerOptions {
  /** Services to lend the handler; default: built once per instance from the environment. */
  services?: () => HandlerServices;
  /** Job types the handler may create (bulk-import: JOB_CATALOGUE); see servicesFromEnvironment. */
  childTypes?: JobCatalogue;
}

/** A Lambda entry point: the event the orchestrator sends, and Lambda's context. */
export type LambdaEntryPoint = (
  event: FunctionEvent,
  context?: FunctionRuntimeContext,
) => Promise<unknown>;

/** Progress is written at most this often, in ms (plus once at the end). */
const PROGRESS_EVERY_MS = 500;
/** The handler's signal fires this long before Lambda's timeout, so it can stop cleanly. */
const ABORT_MARGIN_MS = 1000;
/** Log kept for an Event invocation's recorded outcome, in bytes (as much as a Tail). */
const OUTCOME_LOG_BYTES = 4096;

/**
 * Turns a handler definition into a Lambda entry point (`export const handler = …`):
 * - the payload comes inline or, over the invocation limit, from the jobs row (payloadRef);
 * - progress goes straight to jobs.progress, fenced by the attempt;
 * - log lines go to the console, which Lambda captures (and returns as the log tail);
 * - errors are rethrown with their `name`, which Lambda reports as errorType, so a
 *   PermanentJobError stays permanent on the worker's side;
 * - for an Event invocation, the outcome is recorded in lambda_executions for the worker;
 * - with tracing on, the invocation is a span of the job's trace (traceInvocation).
 */
export function createFunctionHandler<P extends object, R>(
  definition: HandlerDefinition<P, R>,
  options: FunctionHandlerOptions = {},
): LambdaEntryPoint {
  let services: HandlerServices | undefined;
  const lend = () =>
    (services ??= options.services?.() ?? servicesFromEnvironment(options.childTypes));

  return (event, context) =>
    traceInvocation(event, context?.functionName, () => invoke(event, context));

  async function invoke(event: FunctionEvent, context?: FunctionRuntimeContext): Promise<unknown> {
    const { sql } = lend();
    const logged: string[] = [];
    const requestId = context?.awsRequestId ?? '-';
    const write = (level: HandlerLogLevel, message: string) => {
      const line = `${new Date().toISOString()}\t${requestId}\t${level.toUpperCase()}\t${message}`;
      logged.push(line);
      if (context?.writeLine) context.writeLine(line);
      else console[level](message);
    };
    const progress = new ProgressWriter(sql, event);
    const controller = new AbortController();
    const remaining = context?.getRemainingTimeInMillis?.();
    const timer =
      remaining === undefined
        ? undefined
        : setTimeout(() => controller.abort('timeout'), Math.max(0, remaining - ABORT_MARGIN_MS));
    try {
      const raw = event.payloadRef ? await loadPayload(sql, event) : event.payload;
      const ctx: HandlerContext = {
        jobId: event.jobId,
        jobType: event.jobType,
        userId: event.userId,
        attempt: event.attempt,
        signal: controller.signal,
        progress: (percent) => progress.set(percent),
        log: (level, message) => write(level, String(message)),
        services: lend(),
      };
      const result = await definition.run(plainToInstance(definition.payload, raw ?? {}), ctx);
      await progress.flush();
      if (event.reportOutcome) await recordOutcome(sql, event, context, { result }, logged);
      return result;
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      await progress.flush().catch(() => undefined);
      if (event.reportOutcome) {
        write('error', `${e.name}: ${e.message}`);
        await recordOutcome(sql, event, context, { error: e }, logged);
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function loadPayload(sql: SqlClient, event: FunctionEvent): Promise<unknown> {
  const [row] = await sql.query<{ payload: unknown }>(
    `SELECT payload FROM jobs WHERE id = $1 AND attempt = $2`,
    [event.jobId, event.attempt],
  );
  if (!row) throw new Error(`job ${event.jobId} attempt ${event.attempt} is not current`);
  return row.payload;
}

/**
 * Writes an Event invocation's outcome into the row the orchestrator opened for this attempt
 * (or a new row, for an invocation that did not come from the orchestrator).
 */
async function recordOutcome(
  sql: SqlClient,
  event: FunctionEvent,
  context: FunctionRuntimeContext | undefined,
  outcome: { result: unknown } | { error: Error },
  logged: string[],
): Promise<void> {
  const failed = 'error' in outcome;
  let tail = logged.join('\n');
  if (Buffer.byteLength(tail) > OUTCOME_LOG_BYTES)
    tail = Buffer.from(tail).subarray(-OUTCOME_LOG_BYTES).toString('utf8');
  const values = [
    event.jobId,
    event.attempt,
    failed ? 'failed' : 'succeeded',
    failed ? null : JSON.stringify(outcome.result ?? null),
    failed
      ? JSON.stringify({ errorType: outcome.error.name, errorMessage: outcome.error.message })
      : null,
    tail,
    context?.awsRequestId ?? null,
    context?.functionName ?? 'unknown',
  ];
  const updated = await sql.query(
    `UPDATE lambda_executions SET status = $3, result = $4, error = $5, log_tail = $6,
       request_id = coalesce(request_id, $7), finished_at = now()
     WHERE id = (SELECT id FROM lambda_executions WHERE job_id = $1 AND attempt = $2
                 AND status = 'running' ORDER BY id DESC LIMIT 1)
     RETURNING id`,
    values.slice(0, 7),
  );
  if (updated.length === 0)
    await sql.query(
      `INSERT INTO lambda_executions (job_id, attempt, status, result, error, log_tail, request_id,
         function_name, invocation_type, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'Event', now())`,
      values,
    );
}

/** Progress to jobs.progress, throttled, and fenced: a stale attempt's writes match no row. */
class ProgressWriter {
  private latest: number | null = null;
  private written: number | null = null;
  private lastWrite = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: SqlClient,
    private readonly event: FunctionEvent,
  ) {}

  set(percent: number): void {
    this.latest = Math.max(0, Math.min(100, Math.round(Number.isFinite(percent) ? percent : 0)));
    if (Date.now() - this.lastWrite >= PROGRESS_EVERY_MS) void this.write().catch(() => undefined);
  }

  async flush(): Promise<void> {
    await this.pending;
    await this.write();
  }

  private write(): Promise<void> {
    this.pending = this.pending
      .catch(() => undefined)
      .then(async () => {
        if (this.latest === null || this.latest === this.written) return;
        const value = this.latest;
        this.lastWrite = Date.now();
        const { text, params } = progressStatement(this.event.jobId, this.event.attempt, value);
        await this.sql.query(text, params);
        this.written = value;
      });
    return this.pending;
  }
}
