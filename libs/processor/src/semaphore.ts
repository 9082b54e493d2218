/** Counts free slots; `acquire` waits (FIFO) until one is free. */
export class Semaphore {
  private readonly waiters: (() => void)[] = [];

  constructor(private free: number) {}

  get available(): number {
    return this.free;
  }

  tryAcquire(count = 1): boolean {
    if (this.free < count) return false;
    this.free -= count;
    return true;
  }

  async acquire(): Promise<void> {
    if (this.tryAcquire()) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(count = 1): void {
    for (let i = 0; i < count; i++) {
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
    }
  }

  /** Resolves once at least one slot is free (without taking it). */
  async whenAvailable(): Promise<void> {
    while (this.free === 0) {
      await new Promise<void>((resolve) =>
        this.waiters.push(() => {
          this.free++;
          resolve();
        }),
      );
    }
  }
}
