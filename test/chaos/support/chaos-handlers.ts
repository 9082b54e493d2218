import { appendFileSync } from 'node:fs';
import { type HandlerDefinition, type JobContext } from '@app/handlers';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { CHAOS_ENV, clockOffsetMs } from './chaos-env';
import type { HistoryLine } from './history';

export class SleepPayload {
  /** Work time in ms; the handler stops at once when its signal fires. */
  @Min(0) @Max(120_000) @IsInt() ms!: number;
}

/**
 * Appends one line synchronously: a SIGKILL right after it loses nothing. Lines are far below
 * PIPE_BUF and the file is opened O_APPEND, so lines of several workers never interleave.
 */
function record(line: Omit<HistoryLine, 'worker' | 'at'>): void {
  const file = process.env[CHAOS_ENV.historyFile];
  if (!file) throw new Error(`${CHAOS_ENV.historyFile} is not set in this chaos worker`);
  const full: HistoryLine = {
    ...line,
    worker: process.env[CHAOS_ENV.worker] ?? '?',
    // the true time, so that the lines of workers with skewed clocks compare
    at: Date.now() - clockOffsetMs(),
  };
  appendFileSync(file, `${JSON.stringify(full)}\n`);
}

/** Sleeps `ms`, recording start, then end, aborted (signal) or failed (by design). */
async function recordedRun(
  ctx: JobContext,
  ms: number,
  failOnAttempt?: number,
): Promise<{ attempt: number }> {
  const ref = { jobId: ctx.jobId, attempt: ctx.attempt };
  record({ event: 'start', ...ref });
  try {
    await sleep(ms, ctx.signal);
  } catch (error) {
    record({ event: 'aborted', ...ref, reason: String(ctx.signal.reason) });
    throw error;
  }
  if (ctx.attempt === failOnAttempt) {
    record({ event: 'failed', ...ref });
    throw new Error(`chaos-fail-once: failing attempt ${ctx.attempt} by design`);
  }
  record({ event: 'end', ...ref });
  return { attempt: ctx.attempt };
}

/** The workhorse: never fails by design, so any retry it spends is a fault's. */
const chaosSleep: HandlerDefinition<SleepPayload, { attempt: number }> = {
  type: 'chaos-sleep',
  payload: SleepPayload,
  timeoutMs: 60_000,
  run: (payload, ctx) => recordedRun(ctx, payload.ms),
};

/** The same work under a second type name, for per-type limits (WORKER_TYPE_CONCURRENCY). */
const chaosLimited: HandlerDefinition<SleepPayload, { attempt: number }> = {
  type: 'chaos-limited',
  payload: SleepPayload,
  timeoutMs: 60_000,
  run: (payload, ctx) => recordedRun(ctx, payload.ms),
};

/** Fails its first attempt (transiently) by design: exactly one retry is the job's own. */
const chaosFailOnce: HandlerDefinition<SleepPayload, { attempt: number }> = {
  type: 'chaos-fail-once',
  payload: SleepPayload,
  timeoutMs: 60_000,
  run: (payload, ctx) => recordedRun(ctx, payload.ms, 1),
};

/** What chaos-poison-result returns: storable after cleaning, or not storable at all. */
export const POISON_RESULTS = {
  healthy: 'storable as it is',
  nul: 'a NUL character (cleaned to U+FFFD)',
  surrogate: 'a lone surrogate (cleaned to U+FFFD)',
  bigint: 'a BigInt (JSON cannot express it)',
  circular: 'a circular object',
  huge: 'a 2 MB string (over WORKER_MAX_RESULT_BYTES)',
} as const;
export type PoisonResultKind = keyof typeof POISON_RESULTS;

export class PoisonResultPayload {
  @IsIn(Object.keys(POISON_RESULTS)) kind!: PoisonResultKind;
  @Min(0) @Max(10_000) @IsInt() ms!: number;
}

function poisonResult(kind: PoisonResultKind, attempt: number): Record<string, unknown> {
  switch (kind) {
    case 'healthy':
      return { attempt, value: 'fine' };
    case 'nul':
      return { attempt, value: 'before\u0000after' };
    case 'surrogate':
      return { attempt, value: 'before\ud800after' };
    case 'bigint':
      return { attempt, value: 2n ** 70n };
    case 'circular': {
      const result: Record<string, unknown> = { attempt };
      result.self = result;
      return result;
    }
    case 'huge':
      return { attempt, value: 'x'.repeat(2 * 1024 * 1024) };
  }
}

/** Sleeps like chaos-sleep, then returns the result its payload names (see POISON_RESULTS). */
const chaosPoisonResult: HandlerDefinition<PoisonResultPayload, unknown> = {
  type: 'chaos-poison-result',
  payload: PoisonResultPayload,
  timeoutMs: 60_000,
  run: async (payload, ctx) => {
    await recordedRun(ctx, payload.ms);
    return poisonResult(payload.kind, ctx.attempt);
  },
};

/** Job types whose handlers never fail by design. */
export const NEVER_FAILING_TYPES: readonly string[] = ['chaos-sleep', 'chaos-limited'];

/** The chaos job types, added to JOB_CATALOGUE in the chaos api and workers. */
export const CHAOS_TYPES = [chaosSleep, chaosLimited, chaosFailOnce, chaosPoisonResult];

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error(`aborted: ${String(signal.reason)}`));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error(`aborted: ${String(signal.reason)}`));
    });
  });
}
