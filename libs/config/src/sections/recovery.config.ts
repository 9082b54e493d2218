import { Transform } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';
import { parseInteger } from '../env-validation';

/** Plain decimals only (`0.25`, `1`, `.5`): `Number('1e-1')` or `Number('0x1')` must not pass. */
function parseDecimal({ value }: { value: unknown }): unknown {
  return typeof value === 'string' && /^\s*\d*\.?\d+\s*$/.test(value) ? Number(value) : value;
}

export class RecoveryEnv {
  /** Where alerts are POSTed as signed JSON (see README "Alerts"); unset: alerts go to the log only. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  ALERT_WEBHOOK_URL?: string;

  /** HMAC-SHA256 key of the webhook signature; required with ALERT_WEBHOOK_URL. */
  @IsOptional()
  @MinLength(16, { message: 'ALERT_WEBHOOK_SECRET must be at least 16 characters long' })
  @IsString()
  ALERT_WEBHOOK_SECRET?: string;

  /** Failed attempts / finished attempts over ALERT_WINDOW_MS at or above which an alert fires. */
  @Transform(parseDecimal)
  @Min(0)
  @Max(1)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  ALERT_FAILURE_RATE_THRESHOLD = 0.25;

  /** The failure-rate window, and the quiet time after an alert before the same one fires again, in ms. */
  @Transform(parseInteger)
  @Min(1000)
  @Max(86_400_000)
  @IsInt()
  ALERT_WINDOW_MS = 300_000;

  /** Finished attempts the window needs before its failure rate can alert (a single failure is not a trend). */
  @Transform(parseInteger)
  @Min(1)
  @Max(1_000_000)
  @IsInt()
  ALERT_MIN_ATTEMPTS = 10;

  /** Cap of the exponential retry backoff, in ms. */
  @Transform(parseInteger)
  @Min(1000)
  @Max(7 * 86_400_000)
  @IsInt()
  RETRY_MAX_DELAY_MS = 3_600_000;
}

export interface RecoveryConfig {
  webhookUrl: string | undefined;
  webhookSecret: string | undefined;
  failureRateThreshold: number;
  windowMs: number;
  minAttempts: number;
  retryMaxDelayMs: number;
}

export const toRecoveryConfig = (env: RecoveryEnv): RecoveryConfig => ({
  webhookUrl: env.ALERT_WEBHOOK_URL,
  webhookSecret: env.ALERT_WEBHOOK_SECRET,
  failureRateThreshold: env.ALERT_FAILURE_RATE_THRESHOLD,
  windowMs: env.ALERT_WINDOW_MS,
  minAttempts: env.ALERT_MIN_ATTEMPTS,
  retryMaxDelayMs: env.RETRY_MAX_DELAY_MS,
});

/** Cross-variable rule: an unsigned webhook would let anyone who finds the URL forge alerts. */
export function recoveryProblems(env: RecoveryEnv): string[] {
  return env.ALERT_WEBHOOK_URL !== undefined && env.ALERT_WEBHOOK_SECRET === undefined
    ? ['ALERT_WEBHOOK_SECRET must be set when ALERT_WEBHOOK_URL is (it signs every alert)']
    : [];
}
