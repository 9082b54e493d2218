import { MicroBatcher } from './micro-batcher';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MicroBatcher', () => {
  function recording(fail = 0) {
    const calls: number[][] = [];
    let failures = fail;
    const write = (items: number[]) => {
      calls.push(items);
      if (failures-- > 0) return Promise.reject(new Error('database blinked'));
      return Promise.resolve(items.map((i) => i * 10));
    };
    return { calls, write };
  }

  it('writes items pushed in the same tick with one call, each push getting its own result', async () => {
    const { calls, write } = recording();
    const batcher = new MicroBatcher(write, { maxBatch: 100, isItemError: () => false });
    expect(await Promise.all([1, 2, 3].map((i) => batcher.push(i)))).toEqual([10, 20, 30]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('with lingerMs, gathers items pushed over several ticks into one call', async () => {
    const { calls, write } = recording();
    const batcher = new MicroBatcher(write, {
      maxBatch: 100,
      lingerMs: 50,
      isItemError: () => false,
    });
    const results = [batcher.push(1)];
    await sleep(5);
    results.push(batcher.push(2));
    await sleep(5);
    results.push(batcher.push(3));
    expect(await Promise.all(results)).toEqual([10, 20, 30]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('never puts more than maxBatch items in one call', async () => {
    const { calls, write } = recording();
    const batcher = new MicroBatcher(write, {
      maxBatch: 2,
      lingerMs: 50,
      isItemError: () => false,
    });
    await Promise.all([1, 2, 3, 4, 5].map((i) => batcher.push(i)));
    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('retries a failed write until it succeeds, so no item is lost', async () => {
    const { calls, write } = recording(2);
    const retries: number[] = [];
    const batcher = new MicroBatcher(write, {
      maxBatch: 10,
      isItemError: () => false,
      onRetry: (_error, attempt) => retries.push(attempt),
    });
    expect(await batcher.push(7)).toBe(70);
    expect(calls).toEqual([[7], [7], [7]]);
    expect(retries).toEqual([1, 2]);
  });
});

describe('MicroBatcher with a refused item', () => {
  const refused = Object.assign(new Error('unsupported Unicode escape sequence'), {
    code: '22P05',
  });
  const isItemError = (e: unknown) => (e as { code?: string }).code === '22P05';

  it('splits the batch, writes the good items and rejects only the bad one', async () => {
    const calls: number[][] = [];
    const write = (items: number[]) => {
      calls.push(items);
      return items.includes(13) ? Promise.reject(refused) : Promise.resolve(items.map((i) => i));
    };
    const batcher = new MicroBatcher(write, { maxBatch: 10, isItemError });
    const outcomes = await Promise.allSettled([11, 12, 13, 14].map((i) => batcher.push(i)));
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(calls[0]).toEqual([11, 12, 13, 14]);
    expect(calls.slice(1).sort()).toEqual([[11], [12], [13], [14]]);
  });

  it('close(grace) gives up on a database that stays away, rejecting the pushes in time', async () => {
    const batcher = new MicroBatcher(() => Promise.reject(new Error('connection refused')), {
      maxBatch: 10,
      isItemError,
    });
    const pushed = batcher.push(1);
    await sleep(20);
    const started = Date.now();
    await batcher.close(100);
    await expect(pushed).rejects.toThrow('connection refused');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
