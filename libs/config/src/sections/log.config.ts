import { IsIn, IsOptional, IsString } from 'class-validator';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const FORMATS = ['pretty', 'json'] as const;

export class LogEnv {
  /** Minimum level written to stdout. */
  @IsIn(LEVELS)
  LOG_LEVEL: (typeof LEVELS)[number] = 'info';

  /**
   * `pretty`: coloured, one readable line per event (pino-pretty); `json`: one JSON object per
   * line, for log collectors. Unset: JSON under NODE_ENV=production, else pretty exactly when
   * stdout is a terminal, so `npm start` reads well and `npm start | jq` still parses.
   */
  @IsOptional()
  @IsIn(FORMATS)
  LOG_FORMAT?: (typeof FORMATS)[number];

  /** Read only to pick the log format's default; nothing else branches on it. */
  @IsOptional()
  @IsString()
  NODE_ENV?: string;
}

/** `auto`: decided by the stream itself (pretty on a TTY), see @app/logging. */
export type LogFormat = (typeof FORMATS)[number] | 'auto';

export interface LogConfig {
  level: (typeof LEVELS)[number];
  format: LogFormat;
}

export const toLogConfig = (env: LogEnv): LogConfig => ({
  level: env.LOG_LEVEL,
  format: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'auto'),
});
