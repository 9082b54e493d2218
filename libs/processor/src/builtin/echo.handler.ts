import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { JobContext, JobHandlerInstance } from '../job-handler';
import { JobHandler } from '../job-handler.decorator';

export class EchoPayload {
  /** Returned as `results.echoed`. */
  @IsOptional()
  @MaxLength(10_000)
  @IsString()
  message?: string;

  /** Work time to simulate, in ms; progress is reported in 10 steps and the job can be cancelled meanwhile. */
  @IsOptional()
  @Min(0)
  @Max(600_000)
  @IsInt()
  delayMs?: number;

  /** Fail the first N attempts (to see retries at work). */
  @IsOptional()
  @Min(0)
  @Max(100)
  @IsInt()
  failAttempts?: number;
}

export interface EchoResult {
  echoed: string | null;
  attempt: number;
}

/**
 * A built-in diagnostic job type: returns its message, optionally after a delay or a few failed
 * attempts. Handy for smoke tests, benchmarks and seeing retries and cancellation at work.
 */
@JobHandler('echo', { payload: EchoPayload })
export class EchoHandler implements JobHandlerInstance<EchoPayload, EchoResult> {
  async handle(payload: EchoPayload, ctx: JobContext): Promise<EchoResult> {
    if (ctx.attempt <= (payload.failAttempts ?? 0)) {
      throw new Error(`echo: failing attempt ${ctx.attempt} of ${payload.failAttempts} on purpose`);
    }
    const delay = payload.delayMs ?? 0;
    for (let step = 1; step <= 10 && delay > 0; step++) {
      await sleep(delay / 10, ctx.signal);
      ctx.progress(step * 10);
    }
    ctx.log('info', `echo: ${payload.message ?? '(no message)'}`);
    return { echoed: payload.message ?? null, attempt: ctx.attempt };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error(`aborted: ${String(signal.reason)}`));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error(`aborted: ${String(signal.reason)}`));
      },
      { once: true },
    );
  });
}
