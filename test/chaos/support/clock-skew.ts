// Imported first by chaos-worker-main.ts: every module loaded after it sees the skewed clock.
import { clockOffsetMs } from './chaos-env';

/**
 * Shifts this process's wall clock by CHAOS_CLOCK_OFFSET_MS (faketime is not installed here):
 * Date.now(), `new Date()` and `Date()` read the true time plus the offset; dates built from a
 * value are left alone. Timers and performance.now() are monotonic and unaffected, as with a
 * host whose clock is set wrong.
 */
function skewClock(offsetMs: number): void {
  if (offsetMs === 0) return;
  const TrueDate = Date;
  const trueNow = TrueDate.now.bind(TrueDate);
  const skewed = new Proxy(TrueDate, {
    construct(target, args: unknown[]) {
      return args.length === 0
        ? new target(trueNow() + offsetMs)
        : new target(...(args as ConstructorParameters<DateConstructor>));
    },
    apply() {
      return new TrueDate(trueNow() + offsetMs).toString();
    },
    get(target, key, receiver) {
      if (key === 'now') return () => trueNow() + offsetMs;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  globalThis.Date = skewed;
}

skewClock(clockOffsetMs());
