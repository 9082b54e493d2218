/**
 * Collects items pushed in the same tick (up to `maxBatch`) and writes them with one call.
 * Each `push` resolves with its own item's outcome once its batch is written. A failed write is
 * retried with backoff until it succeeds or the batcher is closed: completions must not be lost
 * because the database blinked.
 */
export class MicroBatcher<T, R> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  private inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly opts: {
      maxBatch: number;
      onRetry?: (error: unknown, attempt: number) => void;
    },
  ) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.opts.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Waits for every write in progress; later pushes are still accepted until `close`. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }

  private flush(): void {
    this.scheduled = false;
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.opts.maxBatch);
      const run = this.writeWithRetry(batch).finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
    }
  }

  private async writeWithRetry(batch: typeof this.pending): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await this.write(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]));
        return;
      } catch (error) {
        if (this.closed) {
          batch.forEach((b) => b.reject(error));
          return;
        }
        this.opts.onRetry?.(error, attempt);
        await new Promise((r) => setTimeout(r, Math.min(5000, 50 * 2 ** attempt)));
      }
    }
  }
}
