import { validatePayload } from '../payload-validation';
import { CleanupPayload, RetentionDays } from './cleanup-jobs.payload';

const problems = (payload: unknown) => {
  const check = validatePayload(CleanupPayload, payload);
  return check.ok ? [] : check.problems.map((p) => `${p.field}: ${p.message}`);
};

describe('CleanupPayload', () => {
  it('accepts nothing, a dry run, and per-status days including fractions and 0', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ dryRun: true, olderThanDays: { completed: 0.5, failed: 0 } })).toEqual([]);
    const check = validatePayload(CleanupPayload, { olderThanDays: { cancelled: 3 } });
    expect(check.ok && (check.value as CleanupPayload).olderThanDays).toBeInstanceOf(RetentionDays);
  });

  it('names each bad field, nested ones by their path', () => {
    expect(problems({ dryRun: 'yes' })).toEqual([
      'payload.dryRun: payload.dryRun must be a boolean value',
    ]);
    expect(problems({ olderThanDays: { completed: -1, weeks: 2 } }).sort()).toEqual([
      'payload.olderThanDays.completed: payload.olderThanDays.completed must not be less than 0',
      'payload.olderThanDays.weeks: property payload.olderThanDays.weeks should not exist',
    ]);
    expect(problems({ olderThanDays: 7 })).toHaveLength(1);
    expect(problems({ olderThanDays: 7 })[0]).toMatch(/^payload\.olderThanDays: /);
  });
});
