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
    [Cancelled, Pending],
    [Processing, Pending],
  ])('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    [Pending, Completed],
    [Pending, Failed],
    [Completed, Pending],
    [Completed, Failed],
    [Completed, Cancelled],
    [Cancelled, Processing],
    [Cancelled, Completed],
    [Failed, Completed],
    [Failed, Processing],
  ])('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('treats only completed as final: failed and cancelled jobs can be re-queued by hand', () => {
    expect([Pending, Processing, Completed, Failed, Cancelled].filter(isFinal)).toEqual([
      Completed,
    ]);
    expect(TRANSITIONS.requeue.from).toEqual([Failed, Cancelled]);
  });

  it('derives ALLOWED_FROM from the transitions and nothing else', () => {
    // several transitions share a pair (retry and requeue: failed → pending): count distinct pairs
    const derived = new Set(
      Object.values(TRANSITIONS).flatMap((t) =>
        t.from.flatMap((from) => t.to.map((to) => `${from}>${to}`)),
      ),
    );
    expect(Object.values(ALLOWED_FROM).reduce((n, froms) => n + froms.length, 0)).toBe(
      derived.size,
    );
    // release (shutdown, self-fencing) and stall (a dead worker) put processing jobs back
    expect(ALLOWED_FROM[Pending]).toEqual([Processing, Failed, Cancelled]);
    expect(ALLOWED_FROM[Completed]).toEqual([Processing]);
  });
});
