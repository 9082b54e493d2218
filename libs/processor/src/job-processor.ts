import type { Message } from '@aws-sdk/client-sqs';
import type { AppConfig, WorkerConfig } from '@app/config';
import { type AttemptRef, type Job, JobsBatchService } from '@app/jobs';
import { Outbox, QueueService } from '@app/queue';
import { describeError } from '@app/recovery';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SqsService } from '@ssut/nestjs-sqs';
import { plainToInstance } from 'class-transformer';
import { HandlerRegistry, type RegisteredHandler } from './handler-registry';
import { IntakeGate } from './intake-gate';
import { OutcomeRecorder } from './outcome-recorder';
import { RunningJob } from './running-job';
import { Semaphore } from './semaphore';
import { WorkerPresence } from './worker-presence.service';

/** A job of a type this worker does not run comes back this much later (rolling deploys), in s. */
const UNKNOWN_TYPE_DELAY_S = 60;
/** After WORKER_SHUTDOWN_GRACE_MS, how long stop() still tries to record what it holds, in ms. */
const SHUTDOWN_FLUSH_MS = 10_000;

type Outcome = { ok: true; results: unknown } | { ok: false; error: unknown };

/**
 * The specification's JobProcessor, the worker's engine:
 * - intake: each received batch (sized by the IntakeGate to the free slots) is claimed in one
 *   UPDATE and acknowledged in one DeleteMessageBatch; from then on PostgreSQL owns the job (a
 *   dead worker is caught by the stall sweeper, not by SQS redelivery). A claim that fails
 *   because PostgreSQL is away is retried with backoff while the gate holds every receive loop
 *   back and the messages' visibility is extended: nothing is handed back, no receive count spent;
 * - execution: handlers run within WORKER_CONCURRENCY slots and their type's limit (a job
 *   waiting for its type holds no slot); every attempt has a timeout, and a slot stays taken
 *   until its handler really settles;
 * - heartbeat: heartbeat_at and progress of held jobs, and the worker's presence. A worker that
 *   cannot heartbeat for the stall limit minus one heartbeat fences itself: it aborts its
 *   handlers and stops receiving, before any sweeper may hand its jobs to another worker. When
 *   PostgreSQL answers again it releases those attempts (no retry spent) and resumes;
 * - shutdown: bounded, see stop().
 * What became of each attempt is written by the OutcomeRecorder.
 */
@Injectable()
export class JobProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobProcessor.name);
  private readonly held = new Map<string, RunningJob>();
  /** Received batches whose claim is still in progress. */
  private readonly intake = new Set<Promise<void>>();
  private readonly typeSlots = new Map<string, Semaphore>();
  private readonly worker: WorkerConfig;
  private readonly waitTimeSeconds: number;
  private readonly fenceAfterMs: number;
  /** Attempts aborted while fenced, released once PostgreSQL answers again. */
  private fencedRuns: AttemptRef[] = [];
  private lastBeatAt = Date.now();
  private runawayCount = 0;
  private accepting = false;
  private heartbeatTimer?: NodeJS.Timeout;
  /** Set while a heartbeat is being written: a slow database gets one at a time, not a pile. */
  private beating = false;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly batch: JobsBatchService,
    private readonly queue: QueueService,
    private readonly outbox: Outbox,
    private readonly outcomes: OutcomeRecorder,
    private readonly gate: IntakeGate,
    private readonly sqs: SqsService,
    private readonly presence: WorkerPresence,
    config: ConfigService<AppConfig, true>,
  ) {
    this.worker = config.get('worker', { infer: true });
    this.waitTimeSeconds = config.get('queue', { infer: true }).waitTimeSeconds;
    this.fenceAfterMs = this.worker.stallAfterMs - this.worker.heartbeatMs;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Opens the gate for the receive loops and starts the heartbeat. */
  start(): void {
    if (this.accepting) return;
    this.accepting = true;
    this.lastBeatAt = Date.now();
    this.gate.open(new Map([...this.sqs.consumers].map(([name, c]) => [name, c.instance])));
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.worker.heartbeatMs);
    void this.presence.beat(0).catch(() => undefined);
    this.logger.log(
      `worker ${this.presence.workerId} processing up to ${this.worker.concurrency} jobs at once`,
    );
  }

  /** Number of jobs this worker holds (claimed, running, waiting for a type slot, or being recorded). */
  get inFlight(): number {
    return this.held.size;
  }

  /** True while the worker has fenced itself (no heartbeat reached PostgreSQL for too long). */
  get fenced(): boolean {
    return this.gate.isFenced;
  }

  /** Handlers that ignored their abort signal past WORKER_ABORT_GRACE_MS and still run. */
  get runaways(): number {
    return this.runawayCount;
  }

  /**
   * One batch received by loop `receiver`. Most messages hold a slot the IntakeGate reserved;
   * any beyond the reservation are claimed all the same and wait for a slot locally. Returns at
   * once; the claim runs in the background so the loop's next long poll overlaps it.
   */
  processMessages(receiver: string, messages: readonly Message[]): Promise<void> {
    const slotted = this.gate.take(receiver, messages.length);
    const intake = this.claimAndStart(messages, slotted).finally(() => this.intake.delete(intake));
    this.intake.add(intake);
    return Promise.resolve();
  }

  /** Claims, acknowledges and starts a received batch; `slotted` of its messages hold a slot. */
  private async claimAndStart(messages: readonly Message[], slotted: number): Promise<void> {
    const readable: { message: Message; jobId: string }[] = [];
    for (const message of messages) {
      const decoded = this.queue.processJob(message);
      if (decoded) readable.push({ message, jobId: decoded.jobId });
      else {
        await this.queue
          .handleError(message, 'unreadable message body: not a job message')
          .catch((e: unknown) =>
            this.logger.warn(`dead-lettering a poison message failed: ${describeError(e)}`),
          );
      }
    }
    if (slotted > readable.length) {
      this.gate.slots.release(slotted - readable.length); // slots of poison messages
      slotted = readable.length;
    }
    if (readable.length === 0) return;
    const ids = readable.map((r) => r.jobId);
    const claimed = await this.claim(
      ids,
      readable.map((r) => r.message),
    );
    if (!claimed) {
      // stopping while PostgreSQL is away: the messages come back after their visibility timeout
      this.gate.slots.release(slotted);
      return;
    }
    if (claimed.length < slotted) this.gate.slots.release(slotted - claimed.length);
    claimed.forEach((job, i) => void this.run(job, i < slotted));
    if (claimed.length < ids.length) await this.deferUnknownTypes(ids);
    // Claimed or not (a duplicate, a cancelled or finished job), these messages are done with:
    // PostgreSQL owns the jobs now. A lost delete only means a redelivery that claims nothing.
    await this.queue.deleteMessages(readable.map((r) => r.message));
  }

  /**
   * Claims the jobs, retrying with backoff while PostgreSQL is away (the gate pauses every
   * receive loop meanwhile) and keeping the messages invisible. undefined: the worker stopped first.
   */
  private async claim(ids: string[], messages: Message[]): Promise<Job[] | undefined> {
    for (let failures = 0; ; failures++) {
      try {
        const claimed = await this.batch.claimMany(
          ids,
          this.presence.workerId,
          this.registry.types(),
        );
        this.gate.claimSucceeded();
        return claimed;
      } catch (error) {
        if (this.gate.isClosed) return undefined;
        const delayMs = this.gate.claimFailed();
        if (failures % 10 === 0)
          this.logger.warn(
            `claim failed (${describeError(error)}); receiving paused, trying again in ${delayMs} ms`,
          );
        // ChangeMessageVisibility does not count as a receive: the messages stay ours meanwhile
        await this.queue.releaseMessages(messages, Math.ceil((2 * delayMs) / 1000) + 60);
        await sleep(delayMs);
      }
    }
  }

  private async deferUnknownTypes(ids: string[]): Promise<void> {
    try {
      const deferred = await this.batch.deferUnknownTypes(
        ids,
        this.registry.types(),
        this.queue.queueUrl,
        UNKNOWN_TYPE_DELAY_S,
      );
      if (deferred) {
        this.logger.warn(
          `${deferred} jobs are of types this worker does not run; announced again in ${UNKNOWN_TYPE_DELAY_S} s`,
        );
        this.outbox.nudge();
      }
    } catch (error) {
      // the resend sweep announces them again later
      this.logger.warn(`deferring jobs of unknown types failed: ${describeError(error)}`);
    }
  }

  private async run(job: Job, holdsSlot: boolean): Promise<void> {
    const running = new RunningJob(job, (r, level, message) =>
      this.outcomes.log({ jobId: r.id, attempt: r.attempt, level, message, source: 'worker' }),
    );
    this.held.set(job.id, running);
    try {
      if (!this.accepting) running.abort('shutdown');
      else if (this.gate.isFenced) running.abort('fenced');
      await this.settle(running, await this.execute(running, holdsSlot));
    } catch (error) {
      this.logger.error(`recording the outcome of job ${job.id} failed: ${describeError(error)}`);
    } finally {
      this.held.delete(job.id);
    }
  }

  /**
   * Runs the handler. The job arrives holding a run slot, or (received beyond the reservation)
   * without one; when its type is at its limit it gives the slot back while it waits, so other
   * types run meanwhile. A job waiting for either slot counts against the gate's local buffer.
   * Both slots are freed when the handler settles, not when its outcome is written (recording
   * is batched and lingers a few ms), and not when it merely timed out: a handler that ignores
   * its signal keeps its slot and is counted as a runaway.
   */
  private async execute(running: RunningJob, holdsSlot: boolean): Promise<Outcome> {
    let entry: RegisteredHandler;
    try {
      entry = this.registry.get(running.job.jobType);
    } catch (error) {
      if (holdsSlot) this.gate.slots.release();
      return { ok: false, error };
    }
    const typeSlot = this.typeSemaphore(entry);
    const hasType = !typeSlot || typeSlot.tryAcquire();
    if (!hasType && holdsSlot) this.gate.slots.release();
    if (!hasType || !holdsSlot) {
      this.gate.park();
      try {
        if (!hasType) await typeSlot?.acquire();
        await this.gate.slots.acquire();
      } finally {
        this.gate.unpark();
      }
    }
    const freeSlots = (): void => {
      typeSlot?.release();
      this.gate.slots.release();
    };
    if (running.abortReason) {
      freeSlots();
      return { ok: false, error: new Error(`aborted before start: ${running.abortReason}`) };
    }
    running.started = true;
    running.log('info', `attempt ${running.attempt} started on ${this.presence.workerId}`);
    const handler = (async () => {
      const payload = plainToInstance(entry.options.payload, running.job.payload);
      return entry.handler.handle(payload, running.context());
    })().then(
      (results): Outcome => ({ ok: true, results }),
      (error: unknown): Outcome => ({ ok: false, error }),
    );
    void handler.finally(freeSlots);
    const timeoutMs = entry.options.timeoutMs ?? this.worker.defaultTimeoutMs;
    const outcome = await within(handler, timeoutMs);
    if (outcome) return outcome;
    running.abort('timeout');
    const timedOut: Outcome = { ok: false, error: new Error(`timed out after ${timeoutMs} ms`) };
    if (await within(handler, this.worker.abortGraceMs)) return timedOut;
    this.runawayCount++;
    void handler.finally(() => this.runawayCount--);
    this.logger.warn(
      `job ${running.id} (${running.job.jobType}) ignored its abort signal for ${this.worker.abortGraceMs} ms after its timeout; its slot stays taken until it returns`,
    );
    return timedOut;
  }

  private async settle(running: RunningJob, outcome: Outcome): Promise<void> {
    const reason = running.abortReason;
    if (reason === 'lost') return; // another attempt owns the job now; nothing of ours may be written
    if (outcome.ok && reason !== 'timeout') {
      await this.outcomes.succeeded(running, outcome.results);
      return;
    }
    switch (reason) {
      case 'cancelled':
        return this.outcomes.cancelled(running);
      case 'shutdown':
        return this.outcomes.release([running.ref]);
      case 'fenced':
        this.fencedRuns.push(running.ref);
        return;
      default:
        return this.outcomes.failed(running, outcome.ok ? undefined : outcome.error);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /**
   * Graceful and bounded stop: receive nothing more, give running handlers
   * WORKER_SHUTDOWN_GRACE_MS to finish, abort the rest, and hand every attempt still held back
   * to the queue (pending again with a new outbox message, no retry spent) so another worker
   * picks it up at once. Writing what is left gets SHUTDOWN_FLUSH_MS more whatever PostgreSQL
   * does; an attempt that could not be recorded is recovered by the stall sweeper.
   */
  async stop(): Promise<void> {
    if (!this.accepting && !this.heartbeatTimer) return;
    this.accepting = false;
    this.gate.close();
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    for (const running of this.held.values()) if (!running.started) running.abort('shutdown');
    const deadline = Date.now() + this.worker.shutdownGraceMs;
    // The consumers were told to stop (onModuleDestroy); a long poll in progress may still
    // return messages, which are claimed and then released. Aborting that poll instead could
    // leave its messages invisible until the visibility timeout.
    await this.consumerIdle();
    await Promise.all(this.intake);
    while (this.held.size && Date.now() < deadline) await sleep(50);
    if (this.held.size) {
      this.logger.warn(
        `${this.held.size} jobs still running after the grace period; aborting and re-queueing them`,
      );
      for (const running of this.held.values()) running.abort('shutdown');
      await this.outcomes
        .release([...this.held.values()].map((r) => r.ref))
        .catch((e: unknown) =>
          this.logger.warn(`re-queueing held jobs failed: ${describeError(e)}`),
        );
    }
    await this.outcomes.close(SHUTDOWN_FLUSH_MS);
    await this.outbox.flush();
    await this.presence.leave().catch(() => undefined);
  }

  private async consumerIdle(): Promise<void> {
    const consumers = [...this.sqs.consumers.values()].map((c) => c.instance);
    const deadline = Date.now() + (this.waitTimeSeconds + 2) * 1000;
    while (consumers.some((c) => c.status.isPolling) && Date.now() < deadline) await sleep(50);
  }

  private async heartbeat(): Promise<void> {
    if (Date.now() - this.lastBeatAt >= this.fenceAfterMs) this.fence();
    if (this.beating) return;
    this.beating = true;
    try {
      await this.beat();
      this.lastBeatAt = Date.now();
      if (this.gate.isFenced) {
        this.logger.warn('PostgreSQL answers again: taking jobs again');
        this.gate.unfence();
      }
    } catch (error) {
      this.logger.warn(`heartbeat failed: ${describeError(error)}`);
      if (Date.now() - this.lastBeatAt >= this.fenceAfterMs) this.fence();
    } finally {
      this.beating = false;
    }
  }

  /** Releases what fencing gave up, then refreshes presence and the held jobs' heartbeats. */
  private async beat(): Promise<void> {
    if (this.fencedRuns.length) {
      const refs = this.fencedRuns;
      this.fencedRuns = [];
      await this.outcomes.release(refs).catch((error: unknown) => {
        this.fencedRuns.push(...refs);
        throw error;
      });
    }
    // every held attempt, fenced ones too: a handler that has not stopped yet is still running
    const runs = [...this.held.values()];
    await this.presence.beat(runs.length);
    if (runs.length === 0) return;
    const alive = await this.batch.heartbeatMany(
      runs.map((r) => ({ ...r.ref, progress: r.takeProgress() })),
    );
    for (const r of runs) {
      if (!alive.has(r.id)) r.abort('lost');
      else if (alive.get(r.id)) r.abort('cancelled');
    }
  }

  /** No heartbeat for the stall limit minus one beat: stop everything before others take over. */
  private fence(): void {
    if (this.gate.isFenced) return;
    this.gate.fence();
    this.logger.error(
      `no heartbeat reached PostgreSQL for ${Date.now() - this.lastBeatAt} ms: aborting ${this.held.size} jobs and pausing intake until it answers`,
    );
    for (const running of this.held.values()) running.abort('fenced');
  }

  private typeSemaphore(entry: RegisteredHandler): Semaphore | undefined {
    if (entry.concurrency === undefined) return undefined;
    let slot = this.typeSlots.get(entry.type);
    if (!slot) this.typeSlots.set(entry.type, (slot = new Semaphore(entry.concurrency)));
    return slot;
  }
}

/** The promise's value if it settles within `ms`, else undefined. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>(
    (resolve) => (timer = setTimeout(() => resolve(undefined), ms)),
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
