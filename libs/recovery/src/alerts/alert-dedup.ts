/**
 * Remembers which alert conditions fired recently so that each fires once per window: a job's
 * dead-letter alert once per job, the failure-rate alert once per window however many sweeps
 * see the rate above the threshold. Pure: the caller passes the time.
 *
 * Memory is bounded by `maxKeys`: past it, expired keys go first, then the oldest ones.
 */
export class AlertDeduplicator {
  /** key → time (ms) until which the key stays quiet; insertion order is firing order. */
  private readonly quietUntil = new Map<string, number>();

  constructor(private readonly maxKeys = 10_000) {
    if (!Number.isInteger(maxKeys) || maxKeys < 1)
      throw new RangeError(`maxKeys must be a positive integer (got ${maxKeys})`);
  }

  /** True (and the key is recorded) when `key` has not fired in the last `windowMs` before `now`. */
  admit(key: string, now: number, windowMs: number): boolean {
    const until = this.quietUntil.get(key);
    if (until !== undefined && now < until) return false;
    this.quietUntil.delete(key);
    this.quietUntil.set(key, now + windowMs);
    if (this.quietUntil.size > this.maxKeys) this.evict(now);
    return true;
  }

  get size(): number {
    return this.quietUntil.size;
  }

  private evict(now: number): void {
    for (const [key, until] of this.quietUntil) if (until <= now) this.quietUntil.delete(key);
    for (const key of this.quietUntil.keys()) {
      if (this.quietUntil.size <= this.maxKeys) break;
      this.quietUntil.delete(key);
    }
  }
}
