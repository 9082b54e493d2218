import { type OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  endsAt: number;
  blockedUntil: number;
}

/**
 * Rate-limit counters as fixed windows: one counter per user and window, O(1) per request.
 * @nestjs/throttler's default memory store keeps every hit's expiry and filters the list on
 * each request, which made the throttler a tenth of the api's CPU for a busy user. A request
 * may cost more than one hit (a batch costs its jobs): one that does not fit in what is left of
 * the window is refused without being charged, and blocks nothing.
 */
export class WindowCounterStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepEveryMs = 60_000) {
    // drop the counters of users who went quiet, so memory follows the active users
    this.sweeper = setInterval(() => this.sweep(Date.now()), sweepEveryMs).unref();
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
    cost = 1,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const id = `${throttlerName}\u0000${key}`;
    let window = this.windows.get(id);
    if (!window || (window.endsAt <= now && window.blockedUntil <= now)) {
      window = { hits: 0, endsAt: now + ttl, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    if (window.blockedUntil <= now && window.hits >= limit) {
      window.blockedUntil = now + (blockDuration > 0 ? blockDuration : window.endsAt - now);
    }
    const seconds = (at: number) => Math.max(0, Math.ceil((at - now) / 1000));
    if (window.blockedUntil > now || window.hits + cost > limit) {
      return Promise.resolve({
        totalHits: window.hits + cost,
        timeToExpire: seconds(window.endsAt),
        isBlocked: true,
        timeToBlockExpire: seconds(Math.max(window.blockedUntil, window.endsAt)),
      });
    }
    window.hits += cost;
    return Promise.resolve({
      totalHits: window.hits,
      timeToExpire: seconds(window.endsAt),
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private sweep(now: number): void {
    for (const [id, window] of this.windows)
      if (window.endsAt <= now && window.blockedUntil <= now) this.windows.delete(id);
  }
}
