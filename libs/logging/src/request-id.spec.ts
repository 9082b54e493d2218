import { requestId } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const idOf = (header?: string | string[]) =>
  requestId({ headers: header === undefined ? {} : { 'x-request-id': header } });

describe('request id', () => {
  it("keeps a caller's well-formed id", () => {
    expect(idOf('edge-7f3a:42')).toBe('edge-7f3a:42');
    expect(idOf('b'.repeat(128))).toBe('b'.repeat(128));
  });

  it('generates a distinct UUID per request when the caller sent none', () => {
    const [a, b] = [idOf(), idOf()];
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'a b'],
    ['with an escape sequence', '\u001b[31mred'],
    ['with markup', '<script>'],
    ['empty', ''],
    ['sent twice', ['one', 'two']],
  ])('replaces an id %s with a fresh UUID', (_case, header) => {
    expect(idOf(header)).toMatch(UUID);
  });
});
