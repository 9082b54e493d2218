import { IsOptional, IsString, IsUrl } from 'class-validator';

const OTLP_URL = { protocols: ['http', 'https'], require_tld: false, require_protocol: true };

/**
 * OpenTelemetry's own variable names, so an operator's usual setup works unchanged. Tracing is
 * off unless one of the endpoints is set: then no SDK is registered and nothing is written.
 */
export class TracingEnv {
  /** Base URL of an OTLP/HTTP collector; traces go to `<url>/v1/traces`. */
  @IsOptional()
  @IsUrl(OTLP_URL)
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** Full URL for traces; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  @IsOptional()
  @IsUrl(OTLP_URL)
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;

  /** service.name of the spans; unset: each app's own (jobqueue-api, jobqueue-worker, …). */
  @IsOptional()
  @IsString()
  OTEL_SERVICE_NAME?: string;
}

export interface TracingConfig {
  /** Where spans are exported (OTLP/HTTP, JSON); undefined: tracing is off. */
  tracesUrl: string | undefined;
  /** undefined: the app's default name. */
  serviceName: string | undefined;
}

export const toTracingConfig = (env: TracingEnv): TracingConfig => ({
  tracesUrl: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? signalUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT),
  serviceName: env.OTEL_SERVICE_NAME,
});

/** The OTLP specification's rule: the base endpoint gets the signal's path appended. */
function signalUrl(base: string | undefined): string | undefined {
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`;
}
