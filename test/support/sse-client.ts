import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Agent, fetch } from 'undici';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: Record<string, unknown>;
  /** When it was parsed, by Date.now() (a benchmark's receive time). */
  receivedAt: number;
}

/**
 * A test's Server-Sent Events client over fetch (Node has no EventSource): opens a stream,
 * collects every event, and waits for the ones a test expects.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  private readonly abort = new AbortController();
  /** Its own connection pool, closed with it: no idle socket of ours keeps a server from closing. */
  private readonly agent = new Agent({ connections: 1 });
  private waiters: (() => void)[] = [];
  private done = false;
  /** The response's HTTP status. */
  status = 0;

  private constructor() {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    const res = await fetch(url, {
      headers,
      signal: client.abort.signal,
      dispatcher: client.agent,
    });
    client.status = res.status;
    if (res.ok && res.body) void client.read(res.body as ReadableStream<Uint8Array>);
    else {
      client.done = true;
      void client.agent.destroy();
    }
    return client;
  }

  /** The events named `event` so far. */
  named(event: string): SseEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  /** The id of the last event that had one: what EventSource would send as Last-Event-ID. */
  get lastEventId(): string | undefined {
    return this.events.findLast((e) => e.id !== undefined)?.id;
  }

  get ended(): boolean {
    return this.done;
  }

  /** Waits until `test` holds for the events so far (or the stream ends, or time runs out). */
  async until(test: (events: SseEvent[]) => boolean, timeoutMs = 15_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this.events)) {
      if (this.done) throw new Error(`stream ended before: ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; events so far: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  close(): void {
    this.abort.abort();
    this.done = true;
    void this.agent.destroy();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = createParser({
      onEvent: (m: EventSourceMessage) => {
        const data = JSON.parse(m.data) as Record<string, unknown>;
        this.events.push({ id: m.id, event: m.event ?? 'message', data, receivedAt: Date.now() });
        this.wake();
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // aborted by close(), or the server dropped the connection
    } finally {
      this.done = true;
      this.wake();
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
