import { ConfigError } from '../config.error';
import { loadConfig } from '../load-config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, ['recovery']);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('recovery section', () => {
  it('has log-only alerts and the documented defaults when nothing is set', () => {
    expect(loadConfig({}, ['recovery']).recovery).toEqual({
      webhookUrl: undefined,
      webhookSecret: undefined,
      failureRateThreshold: 0.25,
      windowMs: 300_000,
      minAttempts: 10,
      retryMaxDelayMs: 3_600_000,
    });
  });

  it('reads a webhook with its secret and decimal thresholds', () => {
    const { recovery } = loadConfig(
      {
        ALERT_WEBHOOK_URL: 'http://127.0.0.1:9000/alerts',
        ALERT_WEBHOOK_SECRET: 's'.repeat(16),
        ALERT_FAILURE_RATE_THRESHOLD: '0.5',
        ALERT_WINDOW_MS: '60000',
        RETRY_MAX_DELAY_MS: '120000',
      },
      ['recovery'],
    );
    expect(recovery).toMatchObject({
      webhookUrl: 'http://127.0.0.1:9000/alerts',
      failureRateThreshold: 0.5,
      windowMs: 60_000,
      retryMaxDelayMs: 120_000,
    });
  });

  it('requires ALERT_WEBHOOK_SECRET when ALERT_WEBHOOK_URL is set', () => {
    expect(problemsOf({ ALERT_WEBHOOK_URL: 'https://hooks.example.com/x' })).toEqual([
      expect.stringMatching(/^ALERT_WEBHOOK_SECRET must be set when ALERT_WEBHOOK_URL is/),
    ]);
  });

  it('refuses a short secret without echoing it', () => {
    const [problem] = problemsOf({
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/x',
      ALERT_WEBHOOK_SECRET: 'short-secret',
    });
    expect(problem).toContain('ALERT_WEBHOOK_SECRET must be at least 16 characters');
    expect(problem).not.toContain('short-secret');
  });

  it.each([
    ['ALERT_WEBHOOK_URL', 'not a url'],
    ['ALERT_WEBHOOK_URL', 'ftp://hooks.example.com/x'],
    ['ALERT_FAILURE_RATE_THRESHOLD', '1.5'],
    ['ALERT_FAILURE_RATE_THRESHOLD', '-0.1'],
    ['ALERT_FAILURE_RATE_THRESHOLD', '1e-1'],
    ['ALERT_FAILURE_RATE_THRESHOLD', 'half'],
    ['ALERT_WINDOW_MS', '10'],
    ['ALERT_MIN_ATTEMPTS', '0'],
    ['RETRY_MAX_DELAY_MS', '2.5'],
  ])('rejects %s=%s with a message naming it', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });
});
