import { randomBytes } from 'node:crypto';
import { type HandlerDefinition, type HandlerServices, PermanentJobError } from '@app/handlers';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { DataSource } from 'typeorm';

export class RecordPayload {
  /** Work time in ms (honours the abort signal). */
  @IsOptional() @Min(0) @Max(120_000) @IsInt() sleepMs?: number;
  /** Fail the first N attempts. */
  @IsOptional() @Min(0) @Max(100) @IsInt() failAttempts?: number;
  /** Throw a PermanentJobError instead of a transient error. */
  @IsOptional() @IsBoolean() permanent?: boolean;
  /** Ignore the abort signal (a handler that does not cooperate). */
  @IsOptional() @IsBoolean() ignoreAbort?: boolean;
  @IsOptional() @IsIn(['a', 'b']) lane?: 'a' | 'b';
}

/**
 * Tells apart two workers in one process (tests run several in-process): each worker lends its
 * handlers its own HandlerServices object.
 */
const workerNames = new WeakMap<HandlerServices, string>();
const workerName = (services: HandlerServices): string => {
  let name = workerNames.get(services);
  if (!name) workerNames.set(services, (name = randomBytes(4).toString('hex')));
  return name;
};

/** The table `record` writes to; the pipeline fixture creates it when a test uses `record`. */
export async function createHandlerRunsTable(db: DataSource): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS handler_runs (
    job_id uuid NOT NULL, attempt int NOT NULL, pid int NOT NULL, worker text NOT NULL, lane text,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(), finished_at timestamptz)`);
}

/**
 * A test job type that records every run in `handler_runs` (job, attempt, worker pid, whether
 * it finished), so tests can prove how often a handler really ran.
 */
export const record: HandlerDefinition<RecordPayload, { attempt: number; pid: number }> = {
  type: 'record',
  payload: RecordPayload,
  timeoutMs: 60_000,
  async run(payload, ctx) {
    const { sql } = ctx.services;
    await sql.query(
      `INSERT INTO handler_runs (job_id, attempt, pid, worker, lane) VALUES ($1, $2, $3, $4, $5)`,
      [ctx.jobId, ctx.attempt, process.pid, workerName(ctx.services), payload.lane ?? null],
    );
    ctx.log('info', 'record: started');
    ctx.progress(10);
    if (payload.sleepMs) await sleep(payload.sleepMs, payload.ignoreAbort ? undefined : ctx.signal);
    if (ctx.attempt <= (payload.failAttempts ?? 0)) {
      if (payload.permanent)
        throw new PermanentJobError(`record: permanent failure on attempt ${ctx.attempt}`);
      throw new Error(`record: transient failure on attempt ${ctx.attempt}`);
    }
    await sql.query(
      `UPDATE handler_runs SET finished_at = clock_timestamp() WHERE job_id = $1 AND attempt = $2`,
      [ctx.jobId, ctx.attempt],
    );
    return { attempt: ctx.attempt, pid: process.pid };
  },
};

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error(`aborted: ${String(signal.reason)}`));
    });
  });
}

export interface HandlerRun {
  job_id: string;
  attempt: number;
  pid: number;
  worker: string;
  lane: string | null;
  started_at: Date;
  finished_at: Date | null;
}
