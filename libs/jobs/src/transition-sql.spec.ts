import { JobStatus } from '@app/database';
import { fromStates, lockFor, target } from './transition-sql';

describe('SQL generated from the transitions table', () => {
  it('lists exactly the allowed from-states of a transition', () => {
    expect(fromStates('cancel')).toBe(`j.status IN ('pending', 'processing', 'failed')`);
    expect(fromStates('stall', 's')).toBe(`s.status IN ('processing')`);
    expect(lockFor('requeue')).toContain(`j.status IN ('failed', 'cancelled')`);
  });

  it('writes a target state only when the transition may lead there', () => {
    expect(target('stall', JobStatus.Cancelled)).toBe(`'cancelled'`);
    expect(() => target('release', JobStatus.Failed)).toThrow(
      'transition release cannot lead to failed',
    );
  });
});
