import { ConfigError } from '../config.error';
import { loadConfig } from '../load-config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, ['lambda']);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('lambda section', () => {
  it('runs everything in the worker and targets AWS with the documented defaults', () => {
    expect(loadConfig({}, ['lambda']).lambda).toEqual({
      routes: {},
      endpoint: undefined,
      region: 'us-east-1',
      invocationType: 'RequestResponse',
      payloadLimitBytes: 6_291_456,
      timeoutMs: 900_000,
    });
  });

  it('reads JOB_ROUTES into one route per job type, tolerating spaces', () => {
    const { lambda } = loadConfig(
      {
        JOB_ROUTES:
          'thumbnail-generation:lambda:process-thumbnails, export:inprocess ,bulk-import:lambda:Process_Imports_2',
        LAMBDA_ENDPOINT: 'http://127.0.0.1:9001',
        LAMBDA_INVOCATION_TYPE: 'Event',
        LAMBDA_PAYLOAD_LIMIT_BYTES: '262144',
        LAMBDA_TIMEOUT_MS: '60000',
      },
      ['lambda'],
    );
    expect(lambda).toMatchObject({
      routes: {
        'thumbnail-generation': { target: 'lambda', functionName: 'process-thumbnails' },
        export: { target: 'inprocess' },
        'bulk-import': { target: 'lambda', functionName: 'Process_Imports_2' },
      },
      endpoint: 'http://127.0.0.1:9001',
      invocationType: 'Event',
      payloadLimitBytes: 262_144,
      timeoutMs: 60_000,
    });
  });

  it.each([
    ['an unknown target', 'export:docker'],
    ['a lambda route without a function', 'export:lambda'],
    ['a function name with a dot', 'export:lambda:process.exports'],
    ['a function name over 64 characters', `export:lambda:${'f'.repeat(65)}`],
    ['an inprocess route with a function', 'export:inprocess:fn'],
    ['an invalid job type', 'Export:inprocess'],
    ['a job type routed twice', 'export:inprocess,export:lambda:fn'],
  ])('rejects %s with a problem naming JOB_ROUTES', (_what, routes) => {
    const problems = problemsOf({ JOB_ROUTES: routes });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^JOB_ROUTES /);
  });

  it.each([
    ['LAMBDA_ENDPOINT', 'not a url'],
    ['LAMBDA_REGION', 'US East'],
    ['LAMBDA_INVOCATION_TYPE', 'DryRun'],
    ['LAMBDA_PAYLOAD_LIMIT_BYTES', '0'],
    ['LAMBDA_PAYLOAD_LIMIT_BYTES', '6291457'],
    ['LAMBDA_TIMEOUT_MS', '900001'],
    ['LAMBDA_TIMEOUT_MS', '1.5'],
  ])('rejects %s=%s with a message naming it', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });
});
