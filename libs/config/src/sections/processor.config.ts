import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { parseInteger } from '../env-validation';

export class ProcessorEnv {
  /** Milliseconds between the worker's maintenance passes (outbox relay, retry and stall sweeps). */
  @Transform(parseInteger)
  @Min(100)
  @Max(600_000)
  @IsInt()
  JOB_PROCESSOR_INTERVAL = 5000;

  /** Attempts per job before it fails for good; a job may carry a lower or higher max_retries. */
  @Transform(parseInteger)
  @Min(0)
  @Max(100)
  @IsInt()
  MAX_JOB_RETRIES = 3;

  /** Base of the exponential retry backoff, in milliseconds. */
  @Transform(parseInteger)
  @Min(0)
  @Max(86_400_000)
  @IsInt()
  INITIAL_RETRY_DELAY = 5000;

  /**
   * How long `PUT /jobs/:id/cancel` waits for a processing job's handler to stop, in ms: stopped
   * in time, the answer is 200 `cancelled` (the specification's); else 202 `cancelRequested`. A
   * worker learns of the cancellation at its next heartbeat (WORKER_HEARTBEAT_MS), so a wait
   * above that answers 200 for handlers that stop promptly. 0: never wait. Default 6000.
   */
  @Transform(parseInteger)
  @Min(0)
  @Max(60_000)
  @IsInt()
  CANCEL_WAIT_MS = 6000;
}

export interface ProcessorConfig {
  intervalMs: number;
  maxRetries: number;
  initialRetryDelayMs: number;
  cancelWaitMs: number;
}

export const toProcessorConfig = (env: ProcessorEnv): ProcessorConfig => ({
  intervalMs: env.JOB_PROCESSOR_INTERVAL,
  maxRetries: env.MAX_JOB_RETRIES,
  initialRetryDelayMs: env.INITIAL_RETRY_DELAY,
  cancelWaitMs: env.CANCEL_WAIT_MS,
});
