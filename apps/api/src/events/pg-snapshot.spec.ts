import { snapshotIncludes } from './pg-snapshot';

describe('snapshotIncludes', () => {
  it('sees transactions that ended before the snapshot, not those running or later', () => {
    const snapshot = '100:110:103,107';
    expect(snapshotIncludes(snapshot, '99')).toBe(true);
    expect(snapshotIncludes(snapshot, '100')).toBe(true);
    expect(snapshotIncludes(snapshot, '103')).toBe(false);
    expect(snapshotIncludes(snapshot, '105')).toBe(true);
    expect(snapshotIncludes(snapshot, '107')).toBe(false);
    expect(snapshotIncludes(snapshot, '110')).toBe(false);
    expect(snapshotIncludes('100:100:', '100')).toBe(false);
  });
});
