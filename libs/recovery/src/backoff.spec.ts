import { exponentialBackoff } from './backoff';
import { PermanentJobError } from '@app/handlers';
import { decideRetry } from './retry-decision';

describe('exponentialBackoff (full jitter)', () => {
  it('is bounded by 0 and base × 2^attempt', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      expect(exponentialBackoff(attempt, 1000, { random: () => 0 })).toBe(0);
      expect(exponentialBackoff(attempt, 1000, { random: () => 0.999999 })).toBe(
        Math.floor(0.999999 * 1000 * 2 ** attempt),
      );
    }
  });

  it('doubles its ceiling with every attempt', () => {
    const ceilings = [0, 1, 2, 3].map((a) => exponentialBackoff(a, 500, { random: () => 1 }));
    expect(ceilings).toEqual([500, 1000, 2000, 4000]);
  });

  it('never exceeds the cap', () => {
    expect(exponentialBackoff(30, 5000, { capMs: 60_000, random: () => 1 })).toBe(60_000);
    expect(exponentialBackoff(1000, 5000, { random: () => 1 })).toBe(3_600_000);
  });

  it('spreads delays over the whole window', () => {
    const samples = Array.from({ length: 2000 }, () => exponentialBackoff(3, 1000));
    const window = 8000;
    expect(Math.min(...samples)).toBeLessThan(window * 0.1);
    expect(Math.max(...samples)).toBeGreaterThan(window * 0.9);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(window * 0.4);
    expect(mean).toBeLessThan(window * 0.6);
  });
});

describe('decideRetry', () => {
  const policy = { initialDelayMs: 1000 };

  it('schedules a retry with backoff while retries remain', () => {
    const d = decideRetry(
      { retryCount: 2, maxRetries: 3 },
      new Error('timeout'),
      policy,
      () => 0.5,
    );
    expect(d).toEqual({ errorMessage: 'timeout', detail: 'timeout', retryDelayMs: 2000 });
  });

  it('fails for good once the retries are used up', () => {
    expect(
      decideRetry({ retryCount: 3, maxRetries: 3 }, new Error('x'), policy).retryDelayMs,
    ).toBeNull();
  });

  it('fails for good at once on a permanent error, retries left or not', () => {
    const d = decideRetry(
      { retryCount: 0, maxRetries: 5 },
      new PermanentJobError('not a video'),
      policy,
    );
    expect(d).toEqual({ errorMessage: 'not a video', detail: 'not a video', retryDelayMs: null });
  });

  it('keeps the message of a non-Error throw and truncates huge ones', () => {
    expect(decideRetry({ retryCount: 0, maxRetries: 0 }, 'plain', policy).errorMessage).toBe(
      'plain',
    );
    expect(
      decideRetry({ retryCount: 0, maxRetries: 0 }, new Error('y'.repeat(5000)), policy)
        .errorMessage,
    ).toHaveLength(4001);
  });
});

describe('backoff edges', () => {
  it('treats a negative attempt as the first one', () => {
    expect(exponentialBackoff(-3, 1000, { random: () => 1 })).toBe(1000);
  });

  it('is always 0 with a base delay of 0 (retry at once)', () => {
    expect(exponentialBackoff(5, 0, { random: () => 1 })).toBe(0);
  });

  it('decideRetry honours the policy’s cap (RETRY_MAX_DELAY_MS)', () => {
    const d = decideRetry(
      { retryCount: 20, maxRetries: 50 },
      new Error('x'),
      { initialDelayMs: 1000, capMs: 5000 },
      () => 1,
    );
    expect(d.retryDelayMs).toBe(5000);
  });
});

describe('decideRetry and what a job owner reads', () => {
  const policy = { initialDelayMs: 1000 };
  const arn = 'arn:aws:sts::123456789012:assumed-role/jobqueue-worker/i-0abc';

  it('reduces an AWS SDK error to its name, keeping the whole text for the worker log', () => {
    const aws = Object.assign(new Error(`User: ${arn} is not authorized`), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    const d = decideRetry({ retryCount: 0, maxRetries: 3 }, aws, policy, () => 0.5);
    expect(d.errorMessage).toBe('an AWS request failed (AccessDenied)');
    expect(d.detail).toContain(arn);
  });

  it('masks an ARN left in any other message, and logs what a cause held', () => {
    const error = new Error(`Lambda said ${arn} failed`, { cause: new Error('ffmpeg stderr: x') });
    const d = decideRetry({ retryCount: 0, maxRetries: 3 }, error, policy, () => 0.5);
    expect(d.errorMessage).toBe('Lambda said arn:… failed');
    expect(d.detail).toContain('caused by Error: ffmpeg stderr: x');
  });
});
