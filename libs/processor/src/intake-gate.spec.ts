import type { AppConfig } from '@app/config';
import type { ConfigService } from '@nestjs/config';
import { IntakeGate } from './intake-gate';
import { IntakeClosedError, type ReceiveLoop } from './receive-loop';

const CONCURRENCY = 2;

function openGate(): IntakeGate {
  const config = {
    get: (key: string) => {
      if (key !== 'worker') throw new Error(`unexpected config section ${key}`);
      return { concurrency: CONCURRENCY };
    },
  } as unknown as ConfigService<AppConfig, true>;
  const gate = new IntakeGate(config);
  const loop: ReceiveLoop = { updateOption: () => undefined };
  gate.open(new Map([['jobs', loop]]));
  return gate;
}

/** Whether `promise` settled within a few turns of the event loop. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, 20));
  return done;
}

describe('IntakeGate and the priority lane', () => {
  it('lets the lane loop poll while every slot is busy, reserving nothing', async () => {
    const gate = openGate();
    expect(gate.slots.tryAcquire(CONCURRENCY)).toBe(true);
    const ordinary = gate.beforeReceive('jobs');
    expect(await settled(ordinary)).toBe(false); // an ordinary loop waits for a free slot
    expect(await settled(gate.beforeLaneReceive())).toBe(true);
    expect(gate.slots.available).toBe(0);
    gate.close();
    await expect(ordinary).rejects.toBeInstanceOf(IntakeClosedError);
  });

  it('takes no slot from an idle worker for the lane poll', async () => {
    const gate = openGate();
    await gate.beforeLaneReceive();
    expect(gate.slots.available).toBe(CONCURRENCY);
    expect(gate.take('jobs-priority', 3)).toBe(0); // its jobs hold no reservation
    expect(gate.slots.available).toBe(CONCURRENCY);
  });

  it('holds the lane loop while priority jobs fill the local buffer, and lets it go when one leaves it', async () => {
    const gate = openGate();
    for (let i = 0; i < CONCURRENCY; i++) gate.park(5);
    const lane = gate.beforeLaneReceive();
    expect(await settled(lane)).toBe(false);
    gate.unpark(5);
    expect(await settled(lane)).toBe(true);
  });

  it('does not hold the lane loop behind ordinary jobs filling the buffer, which hold ordinary loops', async () => {
    const gate = openGate();
    for (let i = 0; i < CONCURRENCY * 3; i++) gate.park(0); // a packed message's surplus
    const ordinary = gate.beforeReceive('jobs');
    expect(await settled(ordinary)).toBe(false);
    expect(await settled(gate.beforeLaneReceive())).toBe(true);
    gate.close();
    await expect(ordinary).rejects.toBeInstanceOf(IntakeClosedError);
  });

  it('holds the lane loop while the worker is fenced or backing off, and ends it on close', async () => {
    const gate = openGate();
    gate.fence();
    const fenced = gate.beforeLaneReceive();
    expect(await settled(fenced)).toBe(false);
    gate.unfence();
    expect(await settled(fenced)).toBe(true);

    gate.receiveFailed(); // 125-250 ms of backoff
    const backingOff = gate.beforeLaneReceive();
    expect(await settled(backingOff)).toBe(false);
    gate.close();
    await expect(backingOff).rejects.toBeInstanceOf(IntakeClosedError);
  });

  it('sizes receives by the jobs claims start: full batches while the claims only hold jobs', () => {
    const config = {
      get: () => ({ concurrency: 20 }),
    } as unknown as ConfigService<AppConfig, true>;
    const gate = new IntakeGate(config);
    const sizes: number[] = [];
    gate.open(new Map([['jobs', { updateOption: (_: string, n: number) => sizes.push(n) }]]));
    // packed messages whose ten jobs all start: two messages fill the twenty slots
    for (let i = 0; i < 10; i++) gate.claimed(10, 100);
    expect(sizes.at(-1)).toBe(2);
    // the same messages' jobs held over a fair share: back to ten messages a receive
    for (let i = 0; i < 10; i++) gate.claimed(10, 0);
    expect(sizes.at(-1)).toBe(10);
  });
});
