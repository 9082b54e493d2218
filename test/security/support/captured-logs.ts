import fs from 'node:fs';

type Write = (fd: number, data: unknown, ...rest: unknown[]) => unknown;

/**
 * What the process writes to its log (pino, and anything on the console) while `fn` runs, as one
 * string. pino writes through process.stdout when jest runs in band, and straight to file
 * descriptor 1 (fs.writeSync / fs.write) in a jest worker: all are captured. It may flush a
 * request's line after the response, hence the pause.
 */
export async function logsDuring(fn: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const keep = (data: unknown) =>
    chunks.push(Buffer.isBuffer(data) ? data.toString() : String(data));
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((data: unknown) => {
    keep(data);
    return true;
  });
  const onDescriptor = (name: 'writeSync' | 'write') => {
    const real = fs[name] as unknown as Write;
    return jest.spyOn(fs, name).mockImplementation(((
      fd: number,
      data: unknown,
      ...rest: unknown[]
    ) => {
      if (fd !== 1 && fd !== 2) return real(fd, data, ...rest);
      keep(data);
      const length = Buffer.isBuffer(data) ? data.length : Buffer.byteLength(String(data));
      const done = rest[rest.length - 1] as ((error: null, written: number) => void) | undefined;
      if (name === 'write' && typeof done === 'function') done(null, length);
      return length;
    }) as never);
  };
  const descriptors = [onDescriptor('writeSync'), onDescriptor('write')];
  const consoles = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
    jest.spyOn(console, m).mockImplementation((...args: unknown[]) => keep(args.join(' '))),
  );
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    [stdout, ...descriptors, ...consoles].forEach((spy) => spy.mockRestore());
  }
  return chunks.join('');
}
