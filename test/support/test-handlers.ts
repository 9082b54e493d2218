import {
  JobHandler,
  type JobContext,
  type JobHandlerInstance,
  PermanentJobError,
} from '@app/processor';
import { randomBytes } from 'node:crypto';
import { Module, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
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
 * A test job type that records every run in `handler_runs` (job, attempt, worker pid, whether
 * it finished), so tests can prove how often a handler really ran.
 */
@JobHandler('record', { payload: RecordPayload, timeoutMs: 60_000 })
export class RecordHandler
  implements JobHandlerInstance<RecordPayload, { attempt: number; pid: number }>, OnModuleInit
{
  /** Tells apart two workers in one process (tests run several in-process). */
  private readonly worker = randomBytes(4).toString('hex');

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.db.query(`CREATE TABLE IF NOT EXISTS handler_runs (
      job_id uuid NOT NULL, attempt int NOT NULL, pid int NOT NULL, worker text NOT NULL, lane text,
      started_at timestamptz NOT NULL DEFAULT clock_timestamp(), finished_at timestamptz)`);
  }

  async handle(payload: RecordPayload, ctx: JobContext): Promise<{ attempt: number; pid: number }> {
    await this.db.query(
      `INSERT INTO handler_runs (job_id, attempt, pid, worker, lane) VALUES ($1, $2, $3, $4, $5)`,
      [ctx.jobId, ctx.attempt, process.pid, this.worker, payload.lane ?? null],
    );
    ctx.log('info', 'record: started');
    ctx.progress(10);
    if (payload.sleepMs) await sleep(payload.sleepMs, payload.ignoreAbort ? undefined : ctx.signal);
    if (ctx.attempt <= (payload.failAttempts ?? 0)) {
      if (payload.permanent)
        throw new PermanentJobError(`record: permanent failure on attempt ${ctx.attempt}`);
      throw new Error(`record: transient failure on attempt ${ctx.attempt}`);
    }
    await this.db.query(
      `UPDATE handler_runs SET finished_at = clock_timestamp() WHERE job_id = $1 AND attempt = $2`,
      [ctx.jobId, ctx.attempt],
    );
    return { attempt: ctx.attempt, pid: process.pid };
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error(`aborted: ${String(signal.reason)}`));
    });
  });
}

@Module({ providers: [RecordHandler] })
export class TestHandlersModule {}

export interface HandlerRun {
  job_id: string;
  attempt: number;
  pid: number;
  worker: string;
  lane: string | null;
  started_at: Date;
  finished_at: Date | null;
}
