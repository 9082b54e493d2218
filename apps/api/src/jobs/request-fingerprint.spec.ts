import { canonicalJson, requestFingerprint } from './request-fingerprint';

describe('requestFingerprint', () => {
  it('is the same for the same body whatever the key order', () => {
    expect(requestFingerprint({ jobType: 'echo', payload: { a: 1, b: [1, { y: 2, x: 1 }] } })).toBe(
      requestFingerprint({ payload: { b: [1, { x: 1, y: 2 }], a: 1 }, jobType: 'echo' }),
    );
  });

  it('differs when any value differs, including array order', () => {
    const base = requestFingerprint({ jobType: 'echo', payload: { list: [1, 2] } });
    expect(requestFingerprint({ jobType: 'echo', payload: { list: [2, 1] } })).not.toBe(base);
    expect(requestFingerprint({ jobType: 'echo', payload: { list: [1, 2], x: null } })).not.toBe(
      base,
    );
  });

  it('is a 64-character hex string (it fills jobs.idempotency_fingerprint)', () => {
    expect(requestFingerprint({})).toMatch(/^[0-9a-f]{64}$/);
  });

  it('drops undefined members as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });
});
