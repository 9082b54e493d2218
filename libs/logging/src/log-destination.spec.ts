import { isPretty, logDestination } from './log-destination';

describe('log format', () => {
  it('is pretty on a terminal and JSON on a pipe when left to itself', () => {
    expect(isPretty('auto', { isTTY: true })).toBe(true);
    expect(isPretty('auto', { isTTY: false })).toBe(false);
    expect(isPretty('auto', {})).toBe(false);
  });

  it('follows an explicit LOG_FORMAT whatever the stream is', () => {
    expect(isPretty('pretty', {})).toBe(true);
    expect(isPretty('json', { isTTY: true })).toBe(false);
  });

  it("keeps pino's own JSON stream for JSON and hands pretty output to a stream of its own", () => {
    expect(logDestination('json', { isTTY: true })).toBeUndefined();
    expect(typeof logDestination('pretty', {})?.write).toBe('function');
  });
});
