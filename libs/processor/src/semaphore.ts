/** A waiting acquirer: served by priority (higher first), then in arrival order. */
interface Acquirer {
  priority: number;
  resolve: () => void;
}

/**
 * Counts free slots. `acquire` waits until one is free; `whenAvailable` only watches.
 * Released slots go to waiting acquirers first (they hold claimed jobs, which come before
 * receiving more), the highest priority first and FIFO within a priority: a job of the priority
 * lane takes the next slot that frees, ahead of ordinary jobs that waited longer.
 */
export class Semaphore {
  /** Sorted: priority descending, then arrival. */
  private readonly acquirers: Acquirer[] = [];
  private readonly watchers = new Set<() => void>();

  constructor(
    private free: number,
    /** Called after every change of the free count (the IntakeGate sizes receives by it). */
    private readonly onChange: (free: number) => void = () => undefined,
  ) {}

  get available(): number {
    return this.free;
  }

  tryAcquire(count = 1): boolean {
    if (this.free < count) return false;
    this.free -= count;
    this.onChange(this.free);
    return true;
  }

  /** Waits for a slot; `priority` (the job's, 0-9) orders the waiters, higher first. */
  async acquire(priority = 0): Promise<void> {
    if (this.acquirers.length === 0 && this.tryAcquire()) return;
    await new Promise<void>((resolve) => {
      // behind every waiter of the same or a higher priority (few waiters: a linear scan)
      let at = this.acquirers.length;
      while (at > 0 && this.acquirers[at - 1].priority < priority) at--;
      this.acquirers.splice(at, 0, { priority, resolve });
    });
  }

  release(count = 1): void {
    this.free += count;
    while (this.free > 0 && this.acquirers.length) {
      this.free--;
      this.acquirers.shift()?.resolve();
    }
    this.onChange(this.free);
    if (this.free > 0 && this.watchers.size) {
      const watchers = [...this.watchers];
      this.watchers.clear();
      for (const notify of watchers) notify();
    }
  }

  /** Resolves once at least one slot is free (without taking it). */
  whenAvailable(): Promise<void> {
    if (this.free > 0) return Promise.resolve();
    return new Promise((resolve) => this.watchers.add(resolve));
  }
}
