import { setTimeout as sleep } from 'node:timers/promises';
import { type HandlerDefinition, PermanentJobError } from '@app/handlers';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export class SleepyPayload {
  /** Work time in ms (honours the abort signal unless ignoreAbort). */
  @IsOptional() @Min(0) @Max(120_000) @IsInt() sleepMs?: number;
  /** Log lines to write. */
  @IsOptional() @Min(0) @Max(10_000) @IsInt() lines?: number;
  /** Throw a plain Error or a PermanentJobError, on the first `failAttempts` attempts (default all). */
  @IsOptional() @IsIn(['error', 'permanent']) fail?: 'error' | 'permanent';
  @IsOptional() @Min(0) @Max(100) @IsInt() failAttempts?: number;
  @IsOptional() @IsBoolean() ignoreAbort?: boolean;
  /** Returned by length: lets a test make the payload as large as it likes. */
  @IsOptional() @IsString() blob?: string;
}

export interface SleepyResult {
  attempt: number;
  blobLength: number;
  jobType: string;
}

/**
 * A test job type for the Lambda paths: sleeps, logs, reports progress, and fails on demand
 * (transiently or permanently). Runs in-process, in the local Lambda endpoint and in
 * InProcessInvoker alike, like the real handlers.
 */
export const sleepy: HandlerDefinition<SleepyPayload, SleepyResult> = {
  type: 'sleepy',
  payload: SleepyPayload,
  async run(payload, ctx) {
    ctx.log('info', `sleepy: attempt ${ctx.attempt} started`);
    for (let i = 1; i <= (payload.lines ?? 0); i++) ctx.log('info', `sleepy: line ${i}`);
    ctx.progress(50);
    if (payload.sleepMs)
      await sleep(payload.sleepMs, undefined, {
        signal: payload.ignoreAbort ? undefined : ctx.signal,
      });
    if (payload.fail && ctx.attempt <= (payload.failAttempts ?? Infinity)) {
      ctx.log('warn', `sleepy: failing attempt ${ctx.attempt}`);
      if (payload.fail === 'permanent')
        throw new PermanentJobError(`sleepy: permanent failure on attempt ${ctx.attempt}`);
      throw new Error(`sleepy: transient failure on attempt ${ctx.attempt}`);
    }
    ctx.progress(100);
    ctx.log('info', 'sleepy: done');
    return { attempt: ctx.attempt, blobLength: payload.blob?.length ?? 0, jobType: ctx.jobType };
  },
};
