import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, which a test can take away the way networks
 * and servers fail: `freeze()` stops every byte on the connections it carries and accepts new ones
 * without answering (a SIGSTOPped server, a half-open connection); `refuse()` drops every
 * connection and stops listening (a server that is down); `resume()` forwards again (frozen
 * connections stay frozen, as after a failover).
 */
export class TcpProxy {
  private server: Server;
  private frozen = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: { host: string; port: number },
    public readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  static async start(targetUrl: string): Promise<TcpProxy> {
    const u = new URL(targetUrl);
    const target = { host: u.hostname, port: Number(u.port || 5432) };
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((socket) => holder.proxy?.accept(socket));
    const port = await listen(server, 0);
    holder.proxy = new TcpProxy(target, port, server);
    return holder.proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  freeze(): void {
    this.frozen = true;
    for (const s of this.sockets) s.pause();
  }

  async refuse(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async resume(): Promise<void> {
    this.frozen = false;
    if (!this.server.listening) {
      this.server = createServer((socket) => this.accept(socket));
      await listen(this.server, this.port);
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server.listening) await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.frozen) {
      client.pause();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    this.track(upstream);
    const pipe = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        // a frozen connection swallows what is in flight too
        if (!this.frozen) to.write(chunk);
      });
    pipe(client, upstream);
    pipe(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }
}

/** A server on 127.0.0.1 that accepts connections and never says a word. */
export async function startSilentServer(): Promise<{
  port: number;
  connections(): number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, 0);
  return {
    port,
    connections: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
