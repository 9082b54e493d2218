import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

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
