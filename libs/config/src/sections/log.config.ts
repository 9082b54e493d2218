import { IsIn } from 'class-validator';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class LogEnv {
  /** Minimum level written to stdout (JSON lines, one per event). */
  @IsIn(LEVELS)
  LOG_LEVEL: (typeof LEVELS)[number] = 'info';
}

export interface LogConfig {
  level: (typeof LEVELS)[number];
}

export const toLogConfig = (env: LogEnv): LogConfig => ({ level: env.LOG_LEVEL });
