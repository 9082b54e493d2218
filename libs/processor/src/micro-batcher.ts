/**
 * Collects items pushed in the same tick, or within `lingerMs` of the first (up to `maxBatch`),
 * and writes them with one call.
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
      /**
       * How long the first item of a batch waits for company, in ms (0: until the end of the
       * tick). A few ms turn the completions of 50 jobs finishing at slightly different times
       * into a few statements instead of fifty; nothing waits on these writes but the job's end.
       */
      lingerMs?: number;
      onRetry?: (error: unknown, attempt: number) => void;
    },
  ) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.opts.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        if (this.opts.lingerMs) setTimeout(() => this.flush(), this.opts.lingerMs);
        else setImmediate(() => this.flush());
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
