import { outsideJobLogContext } from '@app/logging';

/**
 * Collects items pushed in the same tick, or within `lingerMs` of the first (up to `maxBatch`),
 * and writes them with one call. Each `push` resolves with its own item's outcome once its
 * batch is written.
 *
 * Failures are told apart by `isItemError`:
 * - an item error (the values are refused) splits the batch and writes its items one by one,
 *   so exactly the bad item's push rejects and the others are written;
 * - any other error (the database blinked) is retried with backoff, because completions must not
 *   be lost, until `close(graceMs)` has waited `graceMs`: then the items' pushes reject, so
 *   shutdown is bounded whatever the database does.
 */
export class MicroBatcher<T, R> {
  private pending: Entry<T, R>[] = [];
  private scheduled = false;
  private inFlight = new Set<Promise<void>>();
  private giveUpAt = Infinity;
  private readonly sleepers = new Set<() => void>();

  constructor(
    /** Writes a batch; `attempt` > 1 when an earlier try of these items failed (maybe after committing). */
    private readonly write: (items: T[], attempt: number) => Promise<R[]>,
    private readonly opts: {
      maxBatch: number;
      /**
       * How long the first item of a batch waits for company, in ms (0: until the end of the
       * tick). A few ms turn the completions of 50 jobs finishing at slightly different times
       * into a few statements instead of fifty; nothing waits on these writes but the job's end.
       */
      lingerMs?: number;
      /** True when `error` means the items' values were refused (see isDataError). */
      isItemError: (error: unknown) => boolean;
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

  /** Waits for every write in progress; later pushes are still accepted. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  /** Writes what is pending, retrying for at most `graceMs` more; then the rest is rejected. */
  async close(graceMs: number): Promise<void> {
    this.giveUpAt = Date.now() + graceMs;
    for (const wake of this.sleepers) wake();
    await this.drain();
  }

  /** A batch serves many jobs: its writes and their log lines belong to none of them. */
  private flush(): void {
    this.scheduled = false;
    outsideJobLogContext(() => {
      while (this.pending.length) {
        const batch = this.pending.splice(0, this.opts.maxBatch);
        const run = this.writeWithRetry(batch).finally(() => this.inFlight.delete(run));
        this.inFlight.add(run);
      }
    });
  }

  private async writeWithRetry(batch: Entry<T, R>[], firstAttempt = 1): Promise<void> {
    for (let attempt = firstAttempt; ; attempt++) {
      try {
        const results = await this.write(
          batch.map((b) => b.item),
          attempt,
        );
        batch.forEach((b, i) => b.resolve(results[i]));
        return;
      } catch (error) {
        if (this.opts.isItemError(error)) {
          if (batch.length === 1) return batch[0].reject(error);
          await Promise.all(batch.map((b) => this.writeWithRetry([b], attempt + 1)));
          return;
        }
        if (Date.now() >= this.giveUpAt) {
          batch.forEach((b) => b.reject(error));
          return;
        }
        this.opts.onRetry?.(error, attempt);
        await this.backoff(Math.min(5000, 50 * 2 ** attempt));
      }
    }
  }

  /** Sleeps, but wakes at once when close() sets a deadline. */
  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.min(ms, Math.max(0, this.giveUpAt - Date.now())));
      this.sleepers.add(wake);
    });
  }
}

interface Entry<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}
