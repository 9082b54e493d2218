import { Semaphore } from './semaphore';

/** Starts acquirers in order and records the order in which they get a slot. */
function queueUp(slots: Semaphore, priorities: number[]): string[] {
  const served: string[] = [];
  priorities.forEach((p, i) => void slots.acquire(p).then(() => served.push(`${i}:p${p}`)));
  return served;
}

const settle = () => new Promise((r) => setImmediate(r));

describe('Semaphore', () => {
  it('gives a free slot at once, whatever the priority', async () => {
    const slots = new Semaphore(1);
    await slots.acquire(0);
    expect(slots.available).toBe(0);
  });

  it('serves waiting acquirers by priority, higher first, and in arrival order within a priority', async () => {
    const slots = new Semaphore(0);
    const served = queueUp(slots, [0, 5, 0, 9, 5, 0]);
    for (let i = 0; i < 6; i++) {
      slots.release();
      await settle();
    }
    expect(served).toEqual(['3:p9', '1:p5', '4:p5', '0:p0', '2:p0', '5:p0']);
    expect(slots.available).toBe(0);
  });

  it('hands a released slot to a late high-priority waiter before earlier ordinary ones', async () => {
    const slots = new Semaphore(0);
    const served = queueUp(slots, [0, 0, 0]);
    void slots.acquire(9).then(() => served.push('urgent'));
    slots.release();
    await settle();
    expect(served).toEqual(['urgent']);
  });

  it('serves waiters before watchers: a receive loop sees a free slot only when nobody waits', async () => {
    const slots = new Semaphore(0);
    let watched = false;
    void slots.whenAvailable().then(() => (watched = true));
    const served = queueUp(slots, [1]);
    slots.release();
    await settle();
    expect(served).toEqual(['0:p1']);
    expect(watched).toBe(false);
    slots.release();
    await settle();
    expect(watched).toBe(true);
  });
});
