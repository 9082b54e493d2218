import { Transform } from 'class-transformer';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { parseInteger } from '../env-validation';

export class HttpEnv {
  /** Port of the api's HTTP server. */
  @Transform(parseInteger)
  @Min(0)
  @Max(65535)
  @IsInt()
  PORT = 3000;

  /** Port of the worker's /health endpoint. */
  @Transform(parseInteger)
  @Min(0)
  @Max(65535)
  @IsInt()
  WORKER_HEALTH_PORT = 3001;

  /** Interface both servers bind to. */
  @IsString()
  HOST = '0.0.0.0';

  /** Largest request body the api reads, in bytes; a larger one is refused with 413. */
  @Transform(parseInteger)
  @Min(1024)
  @Max(104_857_600)
  @IsInt()
  HTTP_BODY_LIMIT_BYTES = 1_048_576;

  /** Length of the rate-limit window for POST requests, in ms (per user, per api instance). */
  @Transform(parseInteger)
  @Min(1000)
  @Max(86_400_000)
  @IsInt()
  RATE_LIMIT_WINDOW_MS = 60_000;

  /** POST requests one user may make per window before getting 429 (a batch counts as one). */
  @Transform(parseInteger)
  @Min(1)
  @Max(1_000_000)
  @IsInt()
  RATE_LIMIT_MAX = 600;

  /**
   * The api's /health is ready only when some worker heartbeat is at most this old, in ms.
   * 0 leaves workers out of the api's readiness (the api can accept jobs without workers).
   */
  @Transform(parseInteger)
  @Min(0)
  @Max(86_400_000)
  @IsInt()
  HEALTH_WORKER_MAX_AGE_MS = 60_000;
}

export interface HttpConfig {
  port: number;
  workerHealthPort: number;
  host: string;
  bodyLimitBytes: number;
  rateLimitWindowMs: number;
  rateLimitMax: number;
  workerMaxAgeMs: number;
}

export const toHttpConfig = (env: HttpEnv): HttpConfig => ({
  port: env.PORT,
  workerHealthPort: env.WORKER_HEALTH_PORT,
  host: env.HOST,
  bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
  rateLimitWindowMs: env.RATE_LIMIT_WINDOW_MS,
  rateLimitMax: env.RATE_LIMIT_MAX,
  workerMaxAgeMs: env.HEALTH_WORKER_MAX_AGE_MS,
});
