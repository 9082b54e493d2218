import { loadConfig } from '../load-config';

const load = (env: Record<string, string>) => () => loadConfig(env, ['metrics']);

describe('metrics section', () => {
  it('serves /metrics without a token when nothing is set', () => {
    expect(load({})().metrics).toEqual({ enabled: true, token: undefined });
  });

  it('reads METRICS_ENABLED and METRICS_TOKEN', () => {
    expect(load({ METRICS_ENABLED: 'false', METRICS_TOKEN: 'k3Jd9sQ2xLw8ZpVt' })().metrics).toEqual(
      { enabled: false, token: 'k3Jd9sQ2xLw8ZpVt' },
    );
  });

  it('refuses a token shorter than 16 characters without echoing it', () => {
    const short = load({ METRICS_TOKEN: 'short-token' });
    expect(short).toThrow('METRICS_TOKEN must be at least 16 characters long');
    expect(short).not.toThrow(/short-token/);
  });

  it('refuses a token with whitespace, which no Authorization header carries intact', () => {
    expect(load({ METRICS_TOKEN: 'k3Jd9sQ2 xLw8ZpVt' })).toThrow(
      'METRICS_TOKEN must not contain whitespace',
    );
  });

  it('names METRICS_ENABLED when it is not a boolean', () => {
    expect(load({ METRICS_ENABLED: 'sometimes' })).toThrow(/METRICS_ENABLED .*\(got "sometimes"\)/);
  });
});
