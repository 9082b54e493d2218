import { DeliveryQueue } from './delivery-queue';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('DeliveryQueue', () => {
  it('returns from offer at once and delivers in the background, in order', async () => {
    const delivered: number[] = [];
    const q = new DeliveryQueue<number>({
      capacity: 10,
      concurrency: 1,
      deliver: async (n) => {
        await tick();
        delivered.push(n);
      },
      onError: () => undefined,
    });
    expect([q.offer(1), q.offer(2), q.offer(3)]).toEqual([true, true, true]);
    expect(delivered).toEqual([]);
    expect(await q.close(1000)).toBe(0);
    expect(delivered).toEqual([1, 2, 3]);
  });

  it('drops what does not fit while the deliverers are stuck', () => {
    const stuck = deferred();
    const q = new DeliveryQueue<number>({
      capacity: 2,
      concurrency: 1,
      deliver: () => stuck.promise,
      onError: () => undefined,
    });
    expect([1, 2, 3, 4].map((n) => q.offer(n))).toEqual([true, true, true, false]);
    expect(q.pending).toBe(3); // one in flight, two waiting
    stuck.resolve();
  });

  it('runs at most `concurrency` deliveries at once', async () => {
    let active = 0;
    let peak = 0;
    const q = new DeliveryQueue<number>({
      capacity: 100,
      concurrency: 3,
      deliver: async () => {
        peak = Math.max(peak, ++active);
        await tick();
        active--;
      },
      onError: () => undefined,
    });
    for (let i = 0; i < 20; i++) q.offer(i);
    await q.close(1000);
    expect(peak).toBe(3);
  });

  it('reports a failed delivery and goes on with the next one', async () => {
    const errors: string[] = [];
    const delivered: number[] = [];
    const q = new DeliveryQueue<number>({
      capacity: 10,
      concurrency: 1,
      deliver: (n) =>
        n === 1 ? Promise.reject(new Error('boom')) : (delivered.push(n), Promise.resolve()),
      onError: (n, e) => errors.push(`${n}: ${(e as Error).message}`),
    });
    q.offer(1);
    q.offer(2);
    await q.close(1000);
    expect(errors).toEqual(['1: boom']);
    expect(delivered).toEqual([2]);
  });

  it('on close, waits no longer than the grace period, aborts what is left and refuses more', async () => {
    const signals: AbortSignal[] = [];
    const errors: unknown[] = [];
    const q = new DeliveryQueue<number>({
      capacity: 10,
      concurrency: 1,
      deliver: (_n, signal) => {
        signals.push(signal);
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      },
      onError: (_n, e) => errors.push(e),
    });
    q.offer(1);
    q.offer(2);
    const started = Date.now();
    expect(await q.close(100)).toBe(2);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(signals[0].aborted).toBe(true);
    expect(q.offer(3)).toBe(false);
    await tick();
    expect(errors).toEqual([]); // an abort at shutdown is not a delivery failure
  });

  it('refuses a zero capacity or concurrency', () => {
    const deliver = () => Promise.resolve();
    expect(
      () => new DeliveryQueue({ capacity: 0, concurrency: 1, deliver, onError: () => undefined }),
    ).toThrow(RangeError);
    expect(
      () => new DeliveryQueue({ capacity: 1, concurrency: 0, deliver, onError: () => undefined }),
    ).toThrow(RangeError);
  });
});
