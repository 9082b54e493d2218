import { advance, decodeCursor, encodeCursor } from './event-cursor';

describe('event cursor', () => {
  const position = { eventId: '42', logId: '7', xmin: '1234', at: new Date(1_764_000_000_000) };

  it('round-trips a position', () => {
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each(['', '42', '42.7.1234', 'a.b.c.d', '1.2.3.4.5', '-1.2.3.4', `${'9'.repeat(20)}.1.1.1`])(
    'refuses %p',
    (text) => expect(decodeCursor(text)).toBeNull(),
  );

  it('moves ids forward only, and takes the newer xmin and time', () => {
    const next = advance(position, { eventId: '41', logId: '9', xmin: '1300', at: new Date(1) });
    expect(next).toEqual({ eventId: '42', logId: '9', xmin: '1300', at: position.at });
    expect(advance(position, { eventId: '100' }).eventId).toBe('100');
  });
});
