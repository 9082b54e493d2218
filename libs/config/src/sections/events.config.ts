import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { parseInteger } from '../env-validation';

export class EventsEnv {
  /**
   * How long after its last event a dropped event stream can resume from Last-Event-ID without
   * a gap, in s (default 300). Also how long events are kept, and how long an api instance keeps
   * them recorded after its last stream closed.
   */
  @Transform(parseInteger)
  @Min(30)
  @Max(3600)
  @IsInt()
  EVENTS_RESUME_SECONDS = 300;

  /** Open event streams one api instance serves at most; more are answered 503. */
  @Transform(parseInteger)
  @Min(1)
  @Max(100_000)
  @IsInt()
  EVENTS_MAX_STREAMS = 10_000;

  /**
   * Signs the short-lived stream tokens of clients that cannot send headers (EventSource). Unset:
   * a key derived from JWT_SECRET; required for stream tokens when only JWT_JWKS_URL is set.
   * Every api instance needs the same one.
   */
  @IsOptional()
  @MinLength(32, { message: 'EVENTS_TOKEN_SECRET must be at least 32 characters long' })
  @IsString()
  EVENTS_TOKEN_SECRET?: string;
}

export interface EventsConfig {
  resumeSeconds: number;
  maxStreams: number;
  tokenSecret: string | undefined;
}

export const toEventsConfig = (env: EventsEnv): EventsConfig => ({
  resumeSeconds: env.EVENTS_RESUME_SECONDS,
  maxStreams: env.EVENTS_MAX_STREAMS,
  tokenSecret: env.EVENTS_TOKEN_SECRET,
});
