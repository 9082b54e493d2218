import { inputProblem } from './input-hygiene';

const nested = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

describe('inputProblem', () => {
  it('accepts ordinary JSON with unicode, emoji and escapes', () => {
    expect(
      inputProblem({ jobType: 'echo', payload: { text: 'žluťoučký 🐴\n\t"', n: [1, null] } }),
    ).toBeNull();
  });

  it('names the field holding a NUL, in a value or in a key', () => {
    expect(inputProblem({ payload: { list: ['ok', 'a\u0000b'] } })).toEqual({
      field: 'payload.list.1',
      message: 'payload.list.1 must not contain NUL characters (\\u0000)',
    });
    expect(inputProblem({ payload: { 'k\u0000': 1 } })?.field).toBe('payload.k\u0000');
  });

  it('names the field holding a lone surrogate, high or low, but accepts a pair', () => {
    expect(inputProblem({ payload: { s: 'x\ud800' } })?.message).toBe(
      'payload.s must not contain lone UTF-16 surrogates',
    );
    expect(inputProblem({ jobType: '\udc00' })?.field).toBe('jobType');
    expect(inputProblem({ s: '\ud83d\udc34' })).toBeNull();
  });

  it('allows exactly the depth limit and refuses one level more, without recursion', () => {
    expect(inputProblem(nested(4), 4)).toBeNull();
    expect(inputProblem(nested(5), 4)).toEqual({
      field: 'a.a.a.a',
      message: 'a.a.a.a must not be nested deeper than 4 levels',
    });
    expect(inputProblem(nested(200_000))?.message).toMatch(/deeper than 32 levels/);
  });
});
