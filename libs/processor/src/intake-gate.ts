import type { AppConfig } from '@app/config';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Semaphore } from './semaphore';

/** SQS returns at most 10 messages per ReceiveMessage. */
const RECEIVE_LIMIT = 10;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_CAP_MS = 30_000;

/** The part of an sqs-consumer Consumer the gate needs: its batch size, set before each receive. */
export interface ReceiveLoop {
  updateOption(option: 'batchSize', value: number): void;
}

/** Thrown into a receive loop that asks for messages after the worker started stopping. */
export class IntakeClosedError extends Error {
  constructor() {
    super('the worker is stopping: no more receives');
    this.name = 'IntakeClosedError';
  }
}

/**
 * Flow control for the SQS receive loops, so that a worker never receives a message it cannot
 * take. Before each ReceiveMessage (sqs-consumer's preReceiveMessageCallback) a loop waits
 * until the worker has free slots and then reserves up to 10 of them, and asks SQS for exactly
 * that many messages. Every received message therefore has a slot: none is handed back, and SQS
 * receive counts (maxReceiveCount → DLQ) are spent only on real deliveries.
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
    this.slots = new Semaphore(concurrency);
    this.parkLimit = concurrency;
  }

  /** Lets receive loops through; `loops` are the consumers whose batch size the gate sets. */
  open(loops: ReadonlyMap<string, ReceiveLoop>): void {
    for (const [name, loop] of loops) this.loops.set(name, loop);
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
   * use, waits until a receive may happen, reserves up to 10 slots and sets the batch size.
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
        const n = Math.min(RECEIVE_LIMIT, this.slots.available);
        if (!this.slots.tryAcquire(n)) continue;
        this.reserved.set(receiver, n);
        this.loops.get(receiver)?.updateOption('batchSize', n);
        return;
      }
    }
  }

  /** Loop `receiver` got `count` messages: they keep their slots, the rest of its reservation goes back. */
  take(receiver: string, count: number): void {
    const reserved = this.reserved.get(receiver) ?? 0;
    this.reserved.delete(receiver);
    if (count > reserved)
      // a loop the gate did not size (a test calling processMessages directly): take what is free
      this.slots.tryAcquire(Math.min(count - reserved, this.slots.available));
    else this.slots.release(reserved - count);
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

  /** A claimed job waits for its type's slot (holding no run slot): counts against the buffer. */
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
