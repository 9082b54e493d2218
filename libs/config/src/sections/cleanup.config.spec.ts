import { ConfigError } from '../config.error';
import { loadConfig } from '../load-config';

const DAY = 86_400_000;

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, ['cleanup']);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('cleanup section', () => {
  it('keeps completed and cancelled jobs 7 days, failed 30, and runs daily at 03:17 by default', () => {
    expect(loadConfig({}, ['cleanup']).cleanup).toEqual({
      retentionMs: { completed: 7 * DAY, failed: 30 * DAY, cancelled: 7 * DAY },
      batchSize: 1000,
      cron: '17 3 * * *',
    });
  });

  it('reads per-status retention in s, m, h and d, keeping the default of a status left out', () => {
    const { cleanup } = loadConfig(
      {
        CLEANUP_RETENTION: ' completed = 36h , cancelled=90m,',
        CLEANUP_BATCH_SIZE: '250',
        CLEANUP_CRON: '*/30 * * * * *',
      },
      ['cleanup'],
    );
    expect(cleanup).toEqual({
      retentionMs: { completed: 36 * 3_600_000, failed: 30 * DAY, cancelled: 90 * 60_000 },
      batchSize: 250,
      cron: '*/30 * * * * *',
    });
    expect(
      loadConfig({ CLEANUP_RETENTION: 'failed=45s' }, ['cleanup']).cleanup.retentionMs,
    ).toEqual({ completed: 7 * DAY, failed: 45_000, cancelled: 7 * DAY });
  });

  it('turns the schedule off with CLEANUP_CRON=off', () => {
    expect(loadConfig({ CLEANUP_CRON: 'OFF' }, ['cleanup']).cleanup.cron).toBeNull();
  });

  it.each([
    ['completed=7', 'must look like completed=7d'],
    ['completed=7w', 'must look like completed=7d'],
    ['completed:7d', 'must look like completed=7d'],
    ['done=7d', 'unknown status "done"'],
    ['pending=1d', 'unknown status "pending"'],
    ['failed=0s', 'failed must be between 1s and 3650d'],
    ['cancelled=3651d', 'cancelled must be between 1s and 3650d'],
    ['completed=1d,completed=2d', 'names completed twice'],
  ])('rejects CLEANUP_RETENTION=%s, naming the variable and the input', (value, message) => {
    const problems = problemsOf({ CLEANUP_RETENTION: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CLEANUP_RETENTION /);
    expect(problems[0]).toContain(message);
    expect(problems[0]).toContain(JSON.stringify(value));
  });

  it.each(['* * *', '61 3 * * *', 'daily', '17 3 * * * * *', 'never'])(
    'rejects CLEANUP_CRON=%s with the cron library’s reason',
    (value) => {
      const problems = problemsOf({ CLEANUP_CRON: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^CLEANUP_CRON must be a cron expression/);
      expect(problems[0]).toContain(JSON.stringify(value));
    },
  );

  it.each(['0', '10001', 'many'])('rejects CLEANUP_BATCH_SIZE=%s', (value) => {
    const problems = problemsOf({ CLEANUP_BATCH_SIZE: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('CLEANUP_BATCH_SIZE');
  });
});
