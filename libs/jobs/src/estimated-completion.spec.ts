import { estimateCompletion } from './estimated-completion';

const startedAt = new Date('2026-01-07T00:00:00Z');
const after = (ms: number) => new Date(startedAt.getTime() + ms);

describe('estimateCompletion', () => {
  it('uses the job type history alone while no progress is reported', () => {
    expect(
      estimateCompletion({ now: after(1000), startedAt, progress: 0, recentAverageMs: 60_000 }),
    ).toEqual(after(60_000));
  });

  it('extrapolates from progress alone when the type has no history', () => {
    expect(
      estimateCompletion({ now: after(30_000), startedAt, progress: 25, recentAverageMs: null }),
    ).toEqual(after(120_000));
  });

  it('blends both, trusting the job more as it progresses', () => {
    // 50 %: half of 40 s (from progress) + half of 60 s (history) = 50 s
    expect(
      estimateCompletion({ now: after(20_000), startedAt, progress: 50, recentAverageMs: 60_000 }),
    ).toEqual(after(50_000));
  });

  it('is null with nothing to go on', () => {
    expect(
      estimateCompletion({ now: after(5000), startedAt, progress: 0, recentAverageMs: null }),
    ).toBeNull();
  });

  it('ignores a history this run has already outlasted', () => {
    expect(
      estimateCompletion({ now: after(90_000), startedAt, progress: 50, recentAverageMs: 60_000 }),
    ).toEqual(after(180_000));
    expect(
      estimateCompletion({ now: after(90_000), startedAt, progress: 0, recentAverageMs: 60_000 }),
    ).toBeNull();
  });
});
