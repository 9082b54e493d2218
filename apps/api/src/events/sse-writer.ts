import type { ServerResponse } from 'node:http';

export interface SseLimits {
  /** Bytes a stream may have waiting for the client before it is dropped. */
  maxBufferedBytes: number;
  /** How long a full socket may stay full before the stream is dropped, in ms. */
  drainTimeoutMs: number;
  /** A comment line this often keeps proxies from closing an idle stream, in ms. */
  pingIntervalMs: number;
}

export const DEFAULT_SSE_LIMITS: SseLimits = {
  maxBufferedBytes: 1_048_576,
  drainTimeoutMs: 30_000,
  pingIntervalMs: 15_000,
};

/** Why a stream ended on our side. */
export type DropReason = 'slow-client' | 'interrupted' | 'shutdown';

/**
 * Writes Server-Sent Events to one response. A client that stops reading is dropped, never
 * buffered for: more than `maxBufferedBytes` waiting, or a socket full for `drainTimeoutMs`,
 * ends the connection (the client resumes from its Last-Event-ID when it reads again).
 */
export class SseWriter {
  private pinger: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly onEnd: (reason: DropReason | 'client-closed') => void,
    private readonly limits: SseLimits = DEFAULT_SSE_LIMITS,
  ) {
    res.on('close', () => this.finish('client-closed'));
  }

  /** Sends the headers and the reconnection delay EventSource should use. */
  open(extraHeaders: Record<string, string> = {}): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream
      'x-accel-buffering': 'no',
      ...extraHeaders,
    });
    this.write('retry: 3000\n\n');
    this.pinger = setInterval(() => this.write(': ping\n\n'), this.limits.pingIntervalMs);
    this.pinger.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(event: string, data: unknown, id?: string): void {
    const idLine = id === undefined ? '' : `id: ${id}\n`;
    // JSON.stringify escapes newlines, so the data is one `data:` line
    this.write(`${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream from our side. */
  end(reason: DropReason): void {
    if (this.closed) return;
    if (reason === 'slow-client') this.res.destroy();
    else this.res.end();
    this.finish(reason);
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.res.writableLength > this.limits.maxBufferedBytes) return this.end('slow-client');
    if (this.res.write(chunk) || this.drainTimer) return;
    this.drainTimer = setTimeout(() => this.end('slow-client'), this.limits.drainTimeoutMs);
    this.drainTimer.unref();
    this.res.once('drain', () => {
      clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
    });
  }

  private finish(reason: DropReason | 'client-closed'): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pinger);
    clearTimeout(this.drainTimer);
    this.onEnd(reason);
  }
}
