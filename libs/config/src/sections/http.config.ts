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
}

export interface HttpConfig {
  port: number;
  workerHealthPort: number;
  host: string;
}

export const toHttpConfig = (env: HttpEnv): HttpConfig => ({
  port: env.PORT,
  workerHealthPort: env.WORKER_HEALTH_PORT,
  host: env.HOST,
});
