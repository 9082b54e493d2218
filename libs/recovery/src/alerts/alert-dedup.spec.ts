import { AlertDeduplicator } from './alert-dedup';

describe('AlertDeduplicator', () => {
  it('admits a condition the first time and stays quiet for the rest of its window', () => {
    const d = new AlertDeduplicator();
    expect(d.admit('failure-rate', 1000, 5000)).toBe(true);
    expect(d.admit('failure-rate', 1001, 5000)).toBe(false);
    expect(d.admit('failure-rate', 5999, 5000)).toBe(false);
  });

  it('admits the condition again once its window has passed, starting a new window', () => {
    const d = new AlertDeduplicator();
    d.admit('failure-rate', 0, 5000);
    expect(d.admit('failure-rate', 5000, 5000)).toBe(true);
    expect(d.admit('failure-rate', 9999, 5000)).toBe(false);
    expect(d.admit('failure-rate', 10_000, 5000)).toBe(true);
  });

  it('keeps conditions apart: one alert per job', () => {
    const d = new AlertDeduplicator();
    expect(d.admit('job:a', 0, 5000)).toBe(true);
    expect(d.admit('job:b', 0, 5000)).toBe(true);
    expect(d.admit('job:a', 1, 5000)).toBe(false);
  });

  it('bounds its memory, forgetting expired keys first and then the oldest', () => {
    const d = new AlertDeduplicator(3);
    d.admit('old', 0, 10);
    d.admit('a', 100, 1000);
    d.admit('b', 100, 1000);
    d.admit('c', 100, 1000); // 'old' has expired: it goes, the others stay
    expect(d.size).toBe(3);
    expect(d.admit('a', 200, 1000)).toBe(false);
    d.admit('d', 200, 1000); // nothing expired: the oldest ('a') goes
    expect(d.size).toBe(3);
    expect(d.admit('b', 300, 1000)).toBe(false);
    expect(d.admit('a', 300, 1000)).toBe(true);
  });

  it('refuses a useless size', () => {
    expect(() => new AlertDeduplicator(0)).toThrow(RangeError);
  });
});
