import { crossesThreshold, describeFailureRate, toFailureRate } from './failure-rate';

describe('failure rate', () => {
  it('is failed over finished attempts', () => {
    expect(toFailureRate(3, 12, 60_000)).toEqual({
      rate: 0.25,
      failed: 3,
      finished: 12,
      windowMs: 60_000,
    });
  });

  it('is 0 when nothing finished in the window', () => {
    expect(toFailureRate(0, 0, 60_000).rate).toBe(0);
  });

  const policy = { threshold: 0.25, minAttempts: 10 };

  it('crosses the threshold at or above it, over enough attempts', () => {
    expect(crossesThreshold(toFailureRate(3, 12, 1), policy)).toBe(true);
    expect(crossesThreshold(toFailureRate(12, 12, 1), policy)).toBe(true);
    expect(crossesThreshold(toFailureRate(2, 12, 1), policy)).toBe(false);
  });

  it('does not alert on fewer attempts than the minimum, however bad', () => {
    expect(crossesThreshold(toFailureRate(9, 9, 1), policy)).toBe(false);
  });

  it('does not alert without a failure, even with a threshold of 0', () => {
    expect(crossesThreshold(toFailureRate(0, 50, 1), { threshold: 0, minAttempts: 1 })).toBe(false);
    expect(crossesThreshold(toFailureRate(1, 50, 1), { threshold: 0, minAttempts: 1 })).toBe(true);
  });

  it('describes itself in one sentence with the counts', () => {
    expect(describeFailureRate(toFailureRate(12, 40, 300_000), 0.25)).toBe(
      '12 of 40 attempts failed in the last 300 s (30.0%, threshold 25.0%)',
    );
  });
});
