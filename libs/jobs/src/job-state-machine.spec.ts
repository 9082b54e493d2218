import { JobStatus } from '@app/database';
import { ALLOWED_FROM, canTransition, isFinal, TRANSITIONS } from './job-state-machine';

const { Pending, Processing, Completed, Failed, Cancelled } = JobStatus;

describe('job state machine', () => {
  it.each([
    [Pending, Processing],
    [Processing, Completed],
    [Processing, Failed],
    [Pending, Cancelled],
    [Processing, Cancelled],
    [Failed, Pending],
  ])('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    [Pending, Completed],
    [Pending, Failed],
    [Completed, Pending],
    [Completed, Failed],
    [Completed, Cancelled],
    [Cancelled, Pending],
    [Cancelled, Processing],
    [Failed, Completed],
    [Failed, Processing],
    [Processing, Pending],
  ])('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('treats completed and cancelled as final, and failed as retryable', () => {
    expect([Pending, Processing, Completed, Failed, Cancelled].filter(isFinal)).toEqual([
      Completed,
      Cancelled,
    ]);
  });

  it('derives ALLOWED_FROM from the transitions and nothing else', () => {
    const derived = Object.values(TRANSITIONS).reduce((n, t) => n + t.from.length, 0);
    expect(Object.values(ALLOWED_FROM).reduce((n, froms) => n + froms.length, 0)).toBe(derived);
    expect(ALLOWED_FROM[Pending]).toEqual([Failed]);
    expect(ALLOWED_FROM[Completed]).toEqual([Processing]);
  });
});
