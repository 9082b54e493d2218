import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { parseBoolean } from '../env-validation';

const MIN_TOKEN_LENGTH = 16;

export class MetricsEnv {
  /**
   * Serve Prometheus metrics at GET /metrics on each app's own port (the api's PORT, the
   * worker's WORKER_HEALTH_PORT). Counting happens either way; this only opens the door.
   */
  @Transform(parseBoolean)
  @IsBoolean()
  METRICS_ENABLED = true;

  /**
   * When set, /metrics answers only requests with `Authorization: Bearer <token>` (401
   * otherwise), as Gitea guards its own: the api's port faces clients, and job volumes by type
   * are nobody else's business. Unset: open, for a port only the scraper reaches.
   */
  @IsOptional()
  @IsString()
  METRICS_TOKEN?: string;
}

export interface MetricsConfig {
  enabled: boolean;
  token: string | undefined;
}

export const toMetricsConfig = (env: MetricsEnv): MetricsConfig => ({
  enabled: env.METRICS_ENABLED,
  token: env.METRICS_TOKEN,
});

/** A token a scraper could guess is no gate; a blank one is refused rather than read as "open". */
export function metricsProblems(env: MetricsEnv): string[] {
  const token = env.METRICS_TOKEN;
  if (token === undefined) return [];
  if (token.length < MIN_TOKEN_LENGTH)
    return [`METRICS_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters long`];
  if (/\s/.test(token)) return ['METRICS_TOKEN must not contain whitespace'];
  return [];
}
