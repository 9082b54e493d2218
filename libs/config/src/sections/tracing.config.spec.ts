import { loadConfig } from '../load-config';

const load = (env: Record<string, string>) => () => loadConfig(env, ['tracing']);

describe('tracing section', () => {
  it('is off when no OTLP endpoint is set', () => {
    expect(load({})().tracing).toEqual({ tracesUrl: undefined, serviceName: undefined });
  });

  it('sends traces to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces, as the OTLP specification says', () => {
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })().tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: undefined,
    });
  });

  it('takes OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, over the base endpoint', () => {
    const config = load({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp',
      OTEL_SERVICE_NAME: 'jobqueue-api-eu',
    })().tracing;
    expect(config).toEqual({
      tracesUrl: 'https://traces.example.com/otlp',
      serviceName: 'jobqueue-api-eu',
    });
  });

  it.each(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])(
    'refuses a malformed %s, naming it',
    (name) => {
      expect(load({ [name]: 'collector:4318' })).toThrow(
        new RegExp(`${name} must be a URL address.*\\(got "collector:4318"\\)`),
      );
    },
  );
});
