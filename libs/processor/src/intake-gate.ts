import type { AppConfig } from '@app/config';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { IntakeClosedError, type ReceiveLoop } from './receive-loop';
import { Semaphore } from './semaphore';

/** SQS returns at most 10 messages per ReceiveMessage. */
const RECEIVE_LIMIT = 10;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_CAP_MS = 30_000;

/**
 * Flow control for the SQS receive loops: a worker receives only about what it can take, and
 * takes everything it receives, so no message is ever handed back and SQS receive counts
 * (maxReceiveCount → DLQ) are spent only on real deliveries.
 * - Each loop's batch size follows the free slots (1-10) as they change. sqs-consumer reads it
 *   when a poll starts, before its preReceiveMessageCallback runs.
 * - In that callback a loop waits until a slot is free and reserves up to its batch size.
 * - A receive can still return more messages than its reservation (two loops sized by the same
 *   free slots): the surplus is claimed at once and waits in the local buffer for a slot, like
 *   graphile-worker's local queue; receiving pauses while that buffer is full. Nothing waits in SQS
 *   with a receive spent.
 *
 * The gate also holds the loops back, without releasing anything, while
 * - a ReceiveMessage failed (SQS refused or timed out): exponential backoff with jitter,
 *   250 ms doubling to 30 s, reset by the next successful receive;
 * - a claim failed (PostgreSQL unreachable): the same backoff, reset by a successful claim;
 * - the worker is fenced (it could not heartbeat for the stall limit: see JobProcessor);
 * - jobs parked behind a per-type limit (WORKER_TYPE_CONCURRENCY) already fill the local buffer.
 */
@Injectable()
export class IntakeGate implements OnModuleDestroy {
  /** Run slots: WORKER_CONCURRENCY. A received message holds one until its handler settles. */
  readonly slots: Semaphore;
  private readonly parkLimit: number;
  private readonly reserved = new Map<string, number>();
  private readonly loops = new Map<string, ReceiveLoop>();
  private batchSize = RECEIVE_LIMIT;
  /** Jobs started per received message (moving average): the relay packs up to 10 under load. */
  private jobsPerMessage = 1;
  private readonly waiters = new Set<() => void>();
  private receiveFailures = 0;
  private claimFailures = 0;
  private resumeAt = 0;
  private fenced = false;
  private parked = 0;
  private opened = false;
  private closed = false;

  constructor(config: ConfigService<AppConfig, true>) {
    const { concurrency } = config.get('worker', { infer: true });
    this.slots = new Semaphore(concurrency, (free) => this.resize(free));
    this.parkLimit = concurrency;
  }

  /** Lets receive loops through; `loops` are the consumers whose batch size the gate sets. */
  open(loops: ReadonlyMap<string, ReceiveLoop>): void {
    for (const [name, loop] of loops) {
      this.loops.set(name, loop);
      loop.updateOption('batchSize', this.batchSize);
    }
    this.opened = true;
    this.changed();
  }

  /** No more receives: waiting loops get IntakeClosedError (sqs-consumer then stops polling). */
  close(): void {
    this.closed = true;
    this.changed();
  }

  onModuleDestroy(): void {
    this.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Runs before each ReceiveMessage of loop `receiver`: returns a last reservation it did not
   * use, waits until a receive may happen and reserves up to a batch of slots.
   */
  async beforeReceive(receiver: string): Promise<void> {
    this.giveBack(receiver);
    for (;;) {
      if (this.closed) throw new IntakeClosedError();
      const wait = this.resumeAt - Date.now();
      if (wait > 0) await this.nextChange(wait);
      else if (!this.opened || this.fenced || this.parked >= this.parkLimit)
        await this.nextChange();
      else if (this.slots.available === 0)
        await this.nextChange(undefined, this.slots.whenAvailable());
      else {
        const wanted = Math.max(1, Math.ceil(this.batchSize * this.jobsPerMessage));
        const n = Math.min(wanted, this.slots.available);
        if (!this.slots.tryAcquire(n)) continue;
        this.reserved.set(receiver, n);
        return;
      }
    }
  }

  /**
   * Loop `receiver` got messages announcing `count` jobs. Returns how many jobs hold a reserved
   * slot; the rest of the reservation goes back, jobs beyond it wait for a slot.
   */
  take(receiver: string, count: number): number {
    const reserved = this.reserved.get(receiver) ?? 0;
    this.reserved.delete(receiver);
    if (count < reserved) this.slots.release(reserved - count);
    return Math.min(count, reserved);
  }

  /**
   * A claim of `messages` received messages started `started` jobs. The average of started jobs
   * per message sizes later receives: ten a message (the relay packs them), a tenth as many
   * messages; none (jobs held over a fair share, a paused type, duplicates), ten messages, so
   * that a backlog the claim only sets aside is drained at full speed.
   */
  claimed(messages: number, started: number): void {
    if (messages === 0) return;
    this.jobsPerMessage = 0.7 * this.jobsPerMessage + (0.3 * started) / messages;
    this.resize(this.slots.available);
  }

  receiveSucceeded(): void {
    this.receiveFailures = 0;
  }

  receiveFailed(): void {
    this.pause(++this.receiveFailures);
  }

  claimSucceeded(): void {
    if (this.claimFailures === 0) return;
    this.claimFailures = 0;
    this.resumeAt = 0;
    this.changed();
  }

  /** Returns how long the caller should wait before it tries the claim again, in ms. */
  claimFailed(): number {
    return this.pause(++this.claimFailures);
  }

  fence(): void {
    this.fenced = true;
  }

  unfence(): void {
    this.fenced = false;
    this.changed();
  }

  get isFenced(): boolean {
    return this.fenced;
  }

  /** A claimed job waits for a slot (its type's or a run slot, holding none): counts against the buffer. */
  park(): void {
    this.parked++;
  }

  unpark(): void {
    this.parked--;
    this.changed();
  }

  private giveBack(receiver: string): void {
    const unused = this.reserved.get(receiver);
    this.reserved.delete(receiver);
    if (unused) this.slots.release(unused);
  }

  /** Batch size of the loops' next polls: as many messages as the free slots take, 1 to 10. */
  private resize(free: number): void {
    const perMessage = Math.max(this.jobsPerMessage, Number.EPSILON); // 0: all set aside
    const size = Math.max(1, Math.min(RECEIVE_LIMIT, Math.round(free / perMessage)));
    if (size === this.batchSize) return;
    this.batchSize = size;
    for (const loop of this.loops.values()) loop.updateOption('batchSize', size);
  }

  private pause(failures: number): number {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1));
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.resumeAt = Math.max(this.resumeAt, Date.now() + delay);
    return delay;
  }

  private changed(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves on the next state change, after `ms`, or when `also` settles. */
  private nextChange(ms?: number, also?: Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(wake, ms);
      this.waiters.add(wake);
      void also?.then(() => wake());
    });
  }
}
