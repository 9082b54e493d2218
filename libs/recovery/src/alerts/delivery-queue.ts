export interface DeliveryQueueOptions<T> {
  /** Items waiting (not counting those in flight) before `offer` refuses new ones. */
  capacity: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  /** Delivers one item; should give up when `signal` aborts (the queue is closing). */
  deliver: (item: T, signal: AbortSignal) => Promise<void>;
  /** A delivery that failed for good (after its own retries). Not called for aborted ones. */
  onError: (item: T, error: unknown) => void;
}

/**
 * A bounded in-memory queue with a few background deliverers, so that whoever offers an item
 * never waits for the delivery. When the queue is full `offer` returns false at once: under a
 * storm the newest items are dropped rather than memory growing or the caller blocking.
 */
export class DeliveryQueue<T> {
  private readonly waiting: T[] = [];
  private active = 0;
  private closed = false;
  private readonly aborter = new AbortController();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: DeliveryQueueOptions<T>) {
    if (!Number.isInteger(opts.capacity) || opts.capacity < 1)
      throw new RangeError(`capacity must be a positive integer (got ${opts.capacity})`);
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1)
      throw new RangeError(`concurrency must be a positive integer (got ${opts.concurrency})`);
  }

  /** Items waiting or in flight. */
  get pending(): number {
    return this.waiting.length + this.active;
  }

  /** Queues `item` for delivery; false (dropped) when the queue is full or closed. */
  offer(item: T): boolean {
    if (this.closed || this.waiting.length >= this.opts.capacity) return false;
    this.waiting.push(item);
    this.pump();
    return true;
  }

  /**
   * Takes no more items, waits up to `graceMs` for the queued and in-flight ones, then aborts
   * what is left. Returns how many items were not delivered in time.
   */
  async close(graceMs: number): Promise<number> {
    this.closed = true;
    if (this.pending > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    const left = this.pending;
    this.waiting.length = 0;
    this.aborter.abort(new Error('delivery queue closed'));
    return left;
  }

  private pump(): void {
    while (this.active < this.opts.concurrency && this.waiting.length > 0) {
      const item = this.waiting.shift() as T;
      this.active++;
      void this.run(item);
    }
  }

  private async run(item: T): Promise<void> {
    try {
      await this.opts.deliver(item, this.aborter.signal);
    } catch (error) {
      if (!this.aborter.signal.aborted) this.opts.onError(item, error);
    } finally {
      this.active--;
      this.pump();
      if (this.pending === 0) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }
}
