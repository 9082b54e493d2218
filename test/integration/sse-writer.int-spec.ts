import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { type DropReason, type SseLimits, SseWriter } from '../../apps/api/src/events/sse-writer';

/**
 * SseWriter on a real socket: a client that stops reading is dropped once its backlog passes
 * the limit or its socket stays full too long; a client that reads gets everything.
 */
describe('SseWriter', () => {
  let server: Server;
  let port: number;
  let respond: (res: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((_req, res) => respond(res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** A raw client that sends the request and then reads only when told (or never). */
  async function client(): Promise<Socket> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    socket.pause();
    return socket;
  }

  const limits = { maxBufferedBytes: 256 * 1024, drainTimeoutMs: 60_000, pingIntervalMs: 60_000 };

  /** Serves a writer with `limits` that sends 128 KiB every 5 ms until it ends; how it ended. */
  function flood(writerLimits: SseLimits): Promise<DropReason | 'client-closed'> {
    return new Promise((resolve) => {
      respond = (res) => {
        const writer = new SseWriter(res, resolve, writerLimits);
        writer.open();
        const big = 'x'.repeat(16 * 1024);
        const timer = setInterval(() => {
          for (let i = 0; i < 8; i++) writer.send('status', { big });
          if (writer.isClosed) clearInterval(timer);
        }, 5);
      };
    });
  }

  it('drops a client that stops reading once its backlog passes the limit', async () => {
    const ended = flood(limits);
    const socket = await client();
    expect(await ended).toBe('slow-client');
    socket.destroy();
  });

  it('drops a client whose socket stays full longer than the drain timeout', async () => {
    const started = Date.now();
    // far below the backlog limit: only the drain timer can drop it
    const ended = flood({ ...limits, maxBufferedBytes: 64 * 1024 * 1024, drainTimeoutMs: 300 });
    const socket = await client();
    expect(await ended).toBe('slow-client');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    socket.destroy();
  });

  it('delivers everything, in order, to a client that reads', async () => {
    respond = (res) => {
      // 1 MB written at once, within a limit of 4: a reader catches up with it
      const writer = new SseWriter(res, () => undefined, { ...limits, maxBufferedBytes: 4 << 20 });
      writer.open();
      for (let i = 0; i < 500; i++)
        writer.send('progress', { i, pad: 'z'.repeat(2000) }, String(i));
      writer.end('shutdown');
    };
    const socket = await client();
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.resume();
    await once(socket, 'end');
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual([...Array(500).keys()]);
    expect(text).toContain('retry: 3000');
  });
});
