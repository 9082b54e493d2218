import { runAppMain } from '../support/run-app';

const VALID_ENV = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:1/unused',
  SQS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/q',
  SQS_DLQ_URL: 'http://127.0.0.1:1/000000000000/dlq',
  JWT_SECRET: 'q7Vt2mXc9LpR4sWz8KdN3hFb6YgJ0aEu',
};

describe('start-up configuration errors', () => {
  it('the api exits non-zero naming MAX_JOB_RETRIES when it is not a number', async () => {
    const run = await runAppMain('api', { ...VALID_ENV, MAX_JOB_RETRIES: 'abc' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('MAX_JOB_RETRIES must be an integer number (got "abc")');
    expect(run.stderr).not.toMatch(/\bat \w+ \(/); // no stack trace for a configuration error
  });

  it('the worker exits non-zero listing every missing variable at once', async () => {
    const run = await runAppMain('worker', {});
    expect(run.code).toBe(1);
    for (const name of ['DATABASE_URL', 'SQS_QUEUE_URL', 'SQS_DLQ_URL'])
      expect(run.stderr).toContain(name);
    expect(run.stderr).not.toContain('JWT_SECRET'); // the worker does not authenticate callers
  });

  it('the api refuses to start without JWT_SECRET or JWT_JWKS_URL', async () => {
    const { JWT_SECRET: _secret, ...withoutJwt } = VALID_ENV;
    void _secret;
    const run = await runAppMain('api', withoutJwt);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('JWT_SECRET or JWT_JWKS_URL must be set');
  });

  it('the api exits naming LOG_FORMAT when it is neither pretty nor json', async () => {
    const run = await runAppMain('api', { ...VALID_ENV, LOG_FORMAT: 'colourful' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'LOG_FORMAT must be one of the following values: pretty, json (got "colourful")',
    );
  });

  it('the worker exits naming OTEL_EXPORTER_OTLP_ENDPOINT when it is not a URL', async () => {
    const run = await runAppMain('worker', {
      ...VALID_ENV,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT must be a URL address/);
  });

  it('the worker exits naming SQS_PRIORITY_QUEUE_URL when it is not a URL, or is the work queue', async () => {
    const bad = await runAppMain('worker', { ...VALID_ENV, SQS_PRIORITY_QUEUE_URL: 'lane' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/SQS_PRIORITY_QUEUE_URL must be a URL address/);
    const same = await runAppMain('worker', {
      ...VALID_ENV,
      SQS_PRIORITY_QUEUE_URL: VALID_ENV.SQS_QUEUE_URL,
    });
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('SQS_PRIORITY_QUEUE_URL must name a queue of its own');
  });

  it('the worker refuses a METRICS_TOKEN short enough to guess, naming it without echoing it', async () => {
    const run = await runAppMain('worker', { ...VALID_ENV, METRICS_TOKEN: 'guessable' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('METRICS_TOKEN must be at least 16 characters long');
    expect(run.stderr).not.toContain('guessable');
  });
});
