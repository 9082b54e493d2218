/**
 * Counts free slots. `acquire` waits (FIFO) until one is free; `whenAvailable` only watches.
 * Released slots go to waiting acquirers first: they hold claimed jobs, which come before
 * receiving more.
 */
export class Semaphore {
  private readonly acquirers: (() => void)[] = [];
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

  async acquire(): Promise<void> {
    if (this.acquirers.length === 0 && this.tryAcquire()) return;
    await new Promise<void>((resolve) => this.acquirers.push(resolve));
  }

  release(count = 1): void {
    this.free += count;
    while (this.free > 0 && this.acquirers.length) {
      this.free--;
      this.acquirers.shift()?.();
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
