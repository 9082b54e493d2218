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

  /** Jobs one user may submit per window (a POST counts its jobs: a batch of 500 counts 500; a retry 1) before 429. */
  @Transform(parseInteger)
  @Min(1)
  @Max(1_000_000)
  @IsInt()
  RATE_LIMIT_MAX = 600;

  /**
   * Unfinished jobs (pending, processing, failed awaiting a retry) one user may have; a request
   * that would exceed it is refused with 429 QUOTA_EXCEEDED. Admins are exempt; 0: no cap.
   */
  @Transform(parseInteger)
  @Min(0)
  @Max(100_000_000)
  @IsInt()
  QUOTA_UNFINISHED_JOBS = 10_000;

  /**
   * The api's /health reports workers up when some worker heartbeat is at most this old, in ms.
   * Information only: the api's readiness depends on PostgreSQL alone. 0 leaves workers out.
   */
  @Transform(parseInteger)
  @Min(0)
  @Max(86_400_000)
  @IsInt()
  HEALTH_WORKER_MAX_AGE_MS = 60_000;

  /**
   * How long the api reuses its last dependency check for /health and /api/v1/admin/health, in
   * ms: probes and load balancers hitting it cost at most one check (two SQS calls) per period.
   * 0 checks on every request.
   */
  @Transform(parseInteger)
  @Min(0)
  @Max(60_000)
  @IsInt()
  HEALTH_CACHE_MS = 2000;
}

export interface HttpConfig {
  port: number;
  workerHealthPort: number;
  host: string;
  bodyLimitBytes: number;
  rateLimitWindowMs: number;
  rateLimitMax: number;
  maxUnfinishedJobs: number;
  workerMaxAgeMs: number;
  healthCacheMs: number;
}

export const toHttpConfig = (env: HttpEnv): HttpConfig => ({
  port: env.PORT,
  workerHealthPort: env.WORKER_HEALTH_PORT,
  host: env.HOST,
  bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
  rateLimitWindowMs: env.RATE_LIMIT_WINDOW_MS,
  rateLimitMax: env.RATE_LIMIT_MAX,
  maxUnfinishedJobs: env.QUOTA_UNFINISHED_JOBS,
  workerMaxAgeMs: env.HEALTH_WORKER_MAX_AGE_MS,
  healthCacheMs: env.HEALTH_CACHE_MS,
});
