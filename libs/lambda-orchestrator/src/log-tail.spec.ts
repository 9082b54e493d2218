import { lastBytes, parseLogTail } from './log-tail';

describe('parseLogTail', () => {
  it('reads console lines of the Node.js runtime with their level, and runtime lines as info', () => {
    const tail = [
      'START RequestId: 1f Version: $LATEST',
      '2024-05-01T10:00:00.000Z\t1f\tINFO\tframe 1 of 3',
      '2024-05-01T10:00:00.100Z\t1f\tWARN\tslow source',
      '2024-05-01T10:00:00.200Z\t1f\tERROR\tInvoke Error {"errorType":"Error"}',
      '    at run (/var/task/index.js:1:1)',
      'END RequestId: 1f',
      'REPORT RequestId: 1f\tDuration: 12.00 ms',
      '',
    ].join('\n');
    expect(parseLogTail(tail)).toEqual([
      { level: 'info', message: 'START RequestId: 1f Version: $LATEST' },
      { level: 'info', message: 'frame 1 of 3' },
      { level: 'warn', message: 'slow source' },
      { level: 'error', message: 'Invoke Error {"errorType":"Error"}' },
      { level: 'error', message: '    at run (/var/task/index.js:1:1)' },
      { level: 'info', message: 'END RequestId: 1f' },
      { level: 'info', message: 'REPORT RequestId: 1f\tDuration: 12.00 ms' },
    ]);
  });

  it('marks the timeout line as an error', () => {
    expect(parseLogTail('2024-05-01T10:00:01.000Z 1f Task timed out after 1.00 seconds')).toEqual([
      { level: 'error', message: '2024-05-01T10:00:01.000Z 1f Task timed out after 1.00 seconds' },
    ]);
  });
});

describe('lastBytes', () => {
  it('keeps the last bytes of a long output and all of a short one', () => {
    expect(lastBytes('abcdef', 4)).toBe('cdef');
    expect(lastBytes('abc', 4)).toBe('abc');
  });
});
