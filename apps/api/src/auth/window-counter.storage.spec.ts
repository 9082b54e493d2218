import { WindowCounterStorage } from './window-counter.storage';

describe('WindowCounterStorage', () => {
  let storage: WindowCounterStorage;
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    storage = new WindowCounterStorage();
  });
  afterEach(() => {
    storage.onModuleDestroy();
    jest.useRealTimers();
  });

  const hit = (key = 'alice', blockDuration = 0) =>
    storage.increment(key, 60_000, 3, blockDuration, 'default');

  it('counts hits per user within the window and blocks the one over the limit', async () => {
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    await hit();
    expect((await hit()).isBlocked).toBe(false);
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });
    expect((await hit('bob')).isBlocked).toBe(false);
  });

  it('charges a request its cost and refuses one that does not fit, without charging or blocking', async () => {
    const charge = (cost: number) => storage.increment('dave', 60_000, 10, 0, 'default', cost);
    expect(await charge(6)).toMatchObject({ totalHits: 6, isBlocked: false });
    expect(await charge(5)).toMatchObject({ isBlocked: true, timeToBlockExpire: 60 });
    expect(await charge(4)).toMatchObject({ totalHits: 10, isBlocked: false });
    expect(await charge(11)).toMatchObject({ isBlocked: true });
  });

  it('opens a fresh window once the old one has passed', async () => {
    for (let i = 0; i < 4; i++) await hit();
    jest.advanceTimersByTime(59_000);
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
    jest.advanceTimersByTime(1_000);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
  });

  it('keeps a block for its own duration when one is configured', async () => {
    for (let i = 0; i < 4; i++) await hit('carol', 120_000);
    jest.advanceTimersByTime(90_000);
    expect(await hit('carol', 120_000)).toMatchObject({ isBlocked: true, timeToBlockExpire: 30 });
    jest.advanceTimersByTime(30_000);
    expect((await hit('carol', 120_000)).isBlocked).toBe(false);
  });
});
