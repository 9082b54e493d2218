import { setTimeout as sleep } from 'node:timers/promises';
import type { HandlerDefinition } from '@app/handlers';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class StepsPayload {
  /** Steps to take; each reports progress and writes a log line. */
  @Max(200) @Min(1) @IsInt() steps!: number;
  /** ms per step (honours the abort signal). */
  @IsOptional() @Max(5000) @Min(10) @IsInt() intervalMs?: number;
}

/** A test job type that advances in visible steps, for watching progress and logs live. */
export const steps: HandlerDefinition<StepsPayload, { steps: number }> = {
  type: 'steps',
  description: 'Test type: takes a number of steps, each with progress and a log line',
  payload: StepsPayload,
  async run(payload, ctx) {
    for (let step = 1; step <= payload.steps; step++) {
      await sleep(payload.intervalMs ?? 200, undefined, { signal: ctx.signal });
      ctx.progress(Math.round((step / payload.steps) * 100));
      ctx.log('info', `step ${step} of ${payload.steps}`);
    }
    return { steps: payload.steps };
  },
};
