import { storableJson, storableText } from './storable';

describe('storableText', () => {
  it('replaces lone surrogates and NUL, which PostgreSQL refuses, and keeps whole emoji', () => {
    expect(storableText('a\u0000b\ud800c 😀')).toBe('a\ufffdb\ufffdc 😀');
  });
});

describe('storableJson', () => {
  it('cleans strings and keys at any depth', () => {
    expect(storableJson({ list: [{ ['k\u0000']: 'v\udc00' }] }, 1000)).toEqual({
      ok: true,
      json: '{"list":[{"k\ufffd":"v\ufffd"}]}',
    });
  });

  it('refuses BigInt and cycles, naming the path, but accepts an object shared twice', () => {
    const loop: Record<string, unknown> = {};
    loop.again = { back: loop };
    expect(storableJson({ a: [1, 2n] }, 1000)).toEqual({
      ok: false,
      reason: 'the result cannot be stored as JSON: BigInt at $.a.1',
    });
    expect(storableJson(loop, 1000)).toEqual({
      ok: false,
      reason: 'the result cannot be stored as JSON: circular reference at $.again.back',
    });
    const shared = { n: 1 };
    expect(storableJson({ x: shared, y: shared }, 1000)).toEqual({
      ok: true,
      json: '{"x":{"n":1},"y":{"n":1}}',
    });
  });

  it('refuses a result over the byte limit and stores undefined as null', () => {
    expect(storableJson('é'.repeat(600), 1000)).toEqual({
      ok: false,
      reason: 'the result is 1202 bytes of JSON, over the limit of 1000 (WORKER_MAX_RESULT_BYTES)',
    });
    expect(storableJson(undefined, 10)).toEqual({ ok: true, json: 'null' });
  });
});
