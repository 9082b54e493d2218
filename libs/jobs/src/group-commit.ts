export interface GroupCommitOptions<T> {
  /** Most units (see `sizeOf`) in one write; an entry larger than this is written alone. */
  maxSize: number;
  /** Writes running at once; entries pushed while all are busy wait for the next free one. */
  maxInFlight: number;
  /** An entry's size in units (a submission: its jobs). */
  sizeOf: (item: T) => number;
  /** True when `error` means the values were refused (see isDataError), not the database. */
  isItemError: (error: unknown) => boolean;
}

/**
 * Group commit: concurrent callers share writes. A write starts at once when one of
 * `maxInFlight` slots is free, so an idle service adds no delay; entries pushed while every slot
 * is busy wait and go together in the next write, up to `maxSize` units. Each push resolves with
 * its own entry's result.
 *
 * A write refused because of a value (`isItemError`) is split in halves, written one after the
 * other so entries keep the order sequential calls would have, until only the bad entry fails.
 * Any other error (the database is away) fails every entry of that write, and every entry that
 * was waiting meanwhile, at once: a caller answers 503 after one write's timeout at most, instead
 * of queueing behind one failing write after another until the database is back.
 */
export class GroupCommit<T, R> {
  private readonly waiting: Entry<T, R>[] = [];
  private running = 0;

  constructor(
    /**
     * Writes a group; one result per item, in order. An item's result may be an Error: that item
     * alone fails (the write committed the others), and the group is not split or written again.
     */
    private readonly write: (items: T[]) => Promise<(R | Error)[]>,
    private readonly opts: GroupCommitOptions<T>,
  ) {
    if (!(opts.maxSize >= 1) || !(opts.maxInFlight >= 1))
      throw new RangeError('GroupCommit: maxSize and maxInFlight must be at least 1');
  }

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.opts.maxInFlight && this.waiting.length) {
      const group = this.take();
      this.running++;
      void this.run(group).finally(() => {
        this.running--;
        this.next();
      });
    }
  }

  /** The oldest waiting entries, up to maxSize units (at least one entry). */
  private take(): Entry<T, R>[] {
    let size = 0;
    let n = 0;
    for (const entry of this.waiting) {
      size += this.opts.sizeOf(entry.item);
      if (n > 0 && size > this.opts.maxSize) break;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  /** Never rejects: every entry's own promise carries the outcome. */
  private async run(group: Entry<T, R>[]): Promise<void> {
    try {
      const results = await this.write(group.map((e) => e.item));
      group.forEach((e, i) => {
        const r = results[i];
        if (r instanceof Error) e.reject(r);
        else e.resolve(r);
      });
    } catch (error) {
      if (!this.opts.isItemError(error)) {
        for (const e of [...group, ...this.waiting.splice(0)]) e.reject(error);
        return;
      }
      if (group.length === 1) return group[0].reject(error);
      const half = Math.ceil(group.length / 2);
      await this.run(group.slice(0, half));
      await this.run(group.slice(half));
    }
  }
}

interface Entry<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}
