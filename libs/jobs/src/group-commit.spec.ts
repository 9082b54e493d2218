import { GroupCommit } from './group-commit';

class ValueRefused extends Error {}

/** A write the test finishes by hand, recording what each call carried. */
function controlledWrite() {
  const calls: { items: number[]; finish: () => void }[] = [];
  const write = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      calls.push({
        items,
        finish: () =>
          items.includes(13)
            ? reject(new ValueRefused('13 is refused'))
            : resolve(items.map((i) => i * 10)),
      });
    });
  return { calls, write };
}

const tick = () => new Promise((r) => setImmediate(r));

function group(write: (items: number[]) => Promise<number[]>, maxSize = 100, maxInFlight = 1) {
  return new GroupCommit(write, {
    maxSize,
    maxInFlight,
    sizeOf: () => 1,
    isItemError: (e) => e instanceof ValueRefused,
  });
}

describe('GroupCommit', () => {
  it('writes the first entry at once, and the ones pushed meanwhile together in the next write', async () => {
    const { calls, write } = controlledWrite();
    const g = group(write);
    const first = g.push(1);
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    const later = [2, 3, 4].map((i) => g.push(i));
    calls[0].finish();
    expect(await first).toBe(10);
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    calls[1].finish();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
  });

  it('never puts more than maxSize units in one write, but writes a larger entry alone', async () => {
    const calls: number[][] = [];
    const g = new GroupCommit(
      (items: number[]) => {
        calls.push(items);
        return Promise.resolve(items);
      },
      { maxSize: 5, maxInFlight: 1, sizeOf: (n) => n, isItemError: () => false },
    );
    await Promise.all([1, 2, 2, 2, 9, 1].map((n) => g.push(n)));
    expect(calls).toEqual([[1], [2, 2], [2], [9], [1]]);
  });

  it('runs up to maxInFlight writes at once', async () => {
    const { calls, write } = controlledWrite();
    const g = group(write, 100, 2);
    const pushed = [1, 2, 3, 4].map((i) => g.push(i));
    expect(calls.map((c) => c.items)).toEqual([[1], [2]]);
    calls[1].finish();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2], [3, 4]]);
    calls[0].finish();
    calls[2].finish();
    expect(await Promise.all(pushed)).toEqual([10, 20, 30, 40]);
  });

  it('fails only the entry whose value is refused, writing the others in their order', async () => {
    const calls: number[][] = [];
    const g = group((items) => {
      calls.push(items);
      return items.includes(13)
        ? Promise.reject(new ValueRefused('13 is refused'))
        : Promise.resolve(items.map((i) => i * 10));
    });
    const blocker = g.push(0);
    const outcomes = [1, 2, 13, 4, 5].map((i) => g.push(i).catch((e: unknown) => e));
    await blocker;
    const results = await Promise.all(outcomes);
    expect(results[2]).toBeInstanceOf(ValueRefused);
    expect(results.filter((_, i) => i !== 2)).toEqual([10, 20, 40, 50]);
    expect(calls.filter((c) => !c.includes(13)).flat()).toEqual([0, 1, 2, 4, 5]);
  });

  it('fails a write the database refused for another reason, with the entries that waited for it, and goes on after', async () => {
    const calls: number[][] = [];
    let down = true;
    const g = group((items) => {
      calls.push(items);
      return down ? Promise.reject(new Error('connection terminated')) : Promise.resolve(items);
    });
    const blocker = g.push(0).catch((e: unknown) => e);
    const during = [1, 2].map((i) => g.push(i).catch((e: unknown) => e));
    expect(await blocker).toEqual(new Error('connection terminated'));
    expect(await Promise.all(during)).toEqual([
      new Error('connection terminated'),
      new Error('connection terminated'),
    ]);
    expect(calls).toEqual([[0]]);
    down = false;
    expect(await g.push(3)).toBe(3);
  });

  it('fails only the entries a write answered with an Error, without splitting or writing again', async () => {
    const calls: number[][] = [];
    const g = new GroupCommit(
      (items: number[]) => {
        calls.push(items);
        // the write committed 1 and 3; 2 could not be answered (a re-run failed)
        return Promise.resolve(items.map((i) => (i === 2 ? new Error('2 failed') : i * 10)));
      },
      { maxSize: 10, maxInFlight: 1, sizeOf: () => 1, isItemError: () => true },
    );
    const outcomes = await Promise.allSettled([g.push(1), g.push(2), g.push(3)]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('2 failed') },
      { status: 'fulfilled', value: 30 },
    ]);
    expect(calls.flat().sort()).toEqual([1, 2, 3]); // each written once
  });

  it('refuses options that would never write', () => {
    expect(() => group(() => Promise.resolve([]), 0)).toThrow(RangeError);
    expect(() => group(() => Promise.resolve([]), 10, 0)).toThrow(RangeError);
  });
});
