import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestId } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function exchange(header?: string | string[]) {
  const headers: Record<string, unknown> = {};
  const req = { headers: header === undefined ? {} : { 'x-request-id': header } };
  const res = { setHeader: (name: string, value: unknown) => (headers[name] = value) };
  const id = requestId(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  return { id, echoed: headers['x-request-id'] };
}

describe('request id', () => {
  it("keeps a caller's well-formed id and echoes it", () => {
    expect(exchange('edge-7f3a:42')).toEqual({ id: 'edge-7f3a:42', echoed: 'edge-7f3a:42' });
  });

  it('generates a UUID when the caller sent none, and echoes it', () => {
    const { id, echoed } = exchange();
    expect(id).toMatch(UUID);
    expect(echoed).toBe(id);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'a b'],
    ['with an escape sequence', '\u001b[31mred'],
    ['with markup', '<script>'],
    ['empty', ''],
    ['sent twice', ['one', 'two']],
  ])('replaces an id %s with a fresh UUID', (_case, header) => {
    const { id, echoed } = exchange(header);
    expect(id).toMatch(UUID);
    expect(echoed).toBe(id);
  });

  it('accepts an id of exactly 128 characters', () => {
    expect(exchange('b'.repeat(128)).id).toBe('b'.repeat(128));
  });
});
