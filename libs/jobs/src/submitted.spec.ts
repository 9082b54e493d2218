import type { JobRow } from './job-row.mapper';
import { submittedByInput } from './submitted';

const row = (n: number, created: boolean, id: string) =>
  ({ n, created, id, user_id: 'u', job_type: 'echo', payload: {} }) as JobRow & {
    n: number;
    created: boolean;
  };

describe('submittedByInput', () => {
  it('maps rows to their inputs, preferring the created job over an existing one', () => {
    const out = submittedByInput(3, [row(2, false, 'old'), row(1, true, 'a'), row(2, true, 'new')]);
    expect(out.map((s) => s && [s.job.id, s.created])).toEqual([
      ['a', true],
      ['new', true],
      undefined,
    ]);
  });
});
