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
}

export interface ProcessorConfig {
  intervalMs: number;
  maxRetries: number;
  initialRetryDelayMs: number;
}

export const toProcessorConfig = (env: ProcessorEnv): ProcessorConfig => ({
  intervalMs: env.JOB_PROCESSOR_INTERVAL,
  maxRetries: env.MAX_JOB_RETRIES,
  initialRetryDelayMs: env.INITIAL_RETRY_DELAY,
});
