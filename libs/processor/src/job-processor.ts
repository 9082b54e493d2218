import type { Message } from '@aws-sdk/client-sqs';
import type { AppConfig, WorkerConfig } from '@app/config';
import {
  type Completion,
  type Failure,
  type Job,
  JobsBatchService,
  JobsService,
  type LogLine,
} from '@app/jobs';
import { Outbox, QueueService } from '@app/queue';
import { decideRetry, describeError, ErrorRecovery } from '@app/recovery';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SqsService } from '@ssut/nestjs-sqs';
import { InjectEntityManager } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import type { EntityManager } from 'typeorm';
import { HandlerRegistry, type RegisteredHandler } from './handler-registry';
import type { JobHandlerInstance, JobHandlerOptions } from './job-handler';
import { MicroBatcher } from './micro-batcher';
import { RunningJob } from './running-job';
import { Semaphore } from './semaphore';
import { WorkerPresence } from './worker-presence.service';

/**
 * The specification's JobProcessor. For each received batch of up to 10 messages it claims the
 * jobs in one UPDATE, acknowledges the messages in one DeleteMessageBatch (from then on
 * PostgreSQL owns the job: a crash is caught by the stall sweeper, not by SQS redelivery), and
 * runs the handlers under the worker's and each type's concurrency limits. Completions,
 * failures and log lines are written in batches; every write is fenced by the attempt number.
 */
/** How long a completion, failure or log line waits to share its statement (MicroBatcher). */
const BATCH_LINGER_MS = 5;

@Injectable()
export class JobProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobProcessor.name);
  private readonly held = new Map<string, RunningJob>();
  /** Received batches whose claim is still in progress. */
  private readonly intake = new Set<Promise<void>>();
  private readonly slots: Semaphore;
  private readonly typeSlots = new Map<string, Semaphore>();
  private readonly worker: WorkerConfig;
  private readonly waitTimeSeconds: number;
  private readonly completions: MicroBatcher<Completion, boolean>;
  private readonly failures: MicroBatcher<Failure, Job | undefined>;
  private readonly logs: MicroBatcher<LogLine, null>;
  private openGate!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));
  private accepting = false;
  private signalStopping!: () => void;
  private readonly stopping = new Promise<void>((resolve) => (this.signalStopping = resolve));
  private heartbeatTimer?: NodeJS.Timeout;
  /** Set while a heartbeat is being written: a slow database gets one at a time, not a pile. */
  private beating = false;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly jobs: JobsService,
    private readonly batch: JobsBatchService,
    private readonly queue: QueueService,
    private readonly outbox: Outbox,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly sqs: SqsService,
    private readonly recovery: ErrorRecovery,
    private readonly presence: WorkerPresence,
    config: ConfigService<AppConfig, true>,
  ) {
    this.worker = config.get('worker', { infer: true });
    this.waitTimeSeconds = config.get('queue', { infer: true }).waitTimeSeconds;
    this.slots = new Semaphore(this.worker.concurrency);
    const onRetry = (what: string) => (error: unknown, attempt: number) =>
      this.logger.warn(
        `writing ${what} failed (try ${attempt}): ${describeError(error)}; retrying`,
      );
    this.completions = new MicroBatcher(
      async (items) => {
        const won = new Set(await this.batch.completeMany(items));
        return items.map((i) => won.has(i.id));
      },
      { maxBatch: 100, lingerMs: BATCH_LINGER_MS, onRetry: onRetry('completions') },
    );
    this.failures = new MicroBatcher(
      async (items) => {
        const rows = new Map((await this.batch.failMany(items)).map((j) => [j.id, j]));
        return items.map((i) => rows.get(i.id));
      },
      { maxBatch: 100, lingerMs: BATCH_LINGER_MS, onRetry: onRetry('failures') },
    );
    this.logs = new MicroBatcher(
      async (lines) => {
        await this.batch.appendLogs(lines);
        return lines.map(() => null);
      },
      { maxBatch: 500, lingerMs: BATCH_LINGER_MS, onRetry: onRetry('job logs') },
    );
  }

  registerHandler(type: string, handler: JobHandlerInstance, options: JobHandlerOptions): void {
    this.registry.registerHandler(type, handler, options);
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Opens the gate for received messages and starts the heartbeat. */
  start(): void {
    if (this.accepting) return;
    this.accepting = true;
    this.openGate();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.worker.heartbeatMs);
    void this.presence.beat(0).catch(() => undefined);
    this.logger.log(
      `worker ${this.presence.workerId} processing up to ${this.worker.concurrency} jobs at once`,
    );
  }

  /** Number of jobs this worker holds (claimed, running or waiting for a per-type slot). */
  get inFlight(): number {
    return this.held.size;
  }

  processMessage(message: Message): Promise<void> {
    return this.processMessages([message]);
  }

  /**
   * One received batch: decode, reserve room, then claim, acknowledge and start the handlers
   * in the background. Returning right after the reservation lets the consumer's next long
   * poll overlap this batch's claim; the reservation is what bounds intake.
   */
  async processMessages(messages: readonly Message[]): Promise<void> {
    await this.gate;
    const readable: { message: Message; jobId: string }[] = [];
    for (const message of messages) {
      const decoded = this.queue.processJob(message);
      if (decoded) readable.push({ message, jobId: decoded.jobId });
      else await this.queue.handleError(message, 'unreadable message body: not a job message');
    }
    if (readable.length === 0) return;

    await Promise.race([this.slots.whenAvailable(), this.stopping]);
    if (!this.accepting) return this.queue.releaseMessages(readable.map((r) => r.message));
    const take = Math.min(this.slots.available, readable.length);
    this.slots.tryAcquire(take);
    if (take < readable.length) {
      await this.queue.releaseMessages(readable.slice(take).map((r) => r.message));
    }
    const intake = this.claimAndStart(readable.slice(0, take)).finally(() =>
      this.intake.delete(intake),
    );
    this.intake.add(intake);
  }

  /** Claims reserved messages' jobs in one UPDATE, acknowledges the batch, starts the winners. */
  private async claimAndStart(reserved: { message: Message; jobId: string }[]): Promise<void> {
    let claimed: Job[];
    try {
      claimed = await this.batch.claimMany(reserved.map((r) => r.jobId));
    } catch (error) {
      this.slots.release(reserved.length);
      this.logger.warn(
        `claim failed (${describeError(error)}); messages return to the queue in 5 s`,
      );
      return this.queue.releaseMessages(
        reserved.map((r) => r.message),
        5,
      );
    }
    this.slots.release(reserved.length - claimed.length);
    for (const job of claimed) void this.run(job);
    // Claimed or not (a duplicate, a cancelled or finished job), these messages are done with:
    // PostgreSQL owns the jobs now. A lost delete only means a redelivery that claims nothing.
    await this.queue.deleteMessages(reserved.map((r) => r.message));
  }

  /** Records a successful attempt; false when the attempt was no longer current (fenced out). */
  async handleSuccess(running: RunningJob, results: unknown): Promise<boolean> {
    await Promise.all(running.logWrites);
    const won = await this.completions.push({
      id: running.id,
      attempt: running.attempt,
      results: results ?? null,
    });
    if (!won)
      this.logger.warn(
        `job ${running.id} attempt ${running.attempt} finished after it was taken over; result dropped`,
      );
    return won;
  }

  /**
   * Records a failed attempt: a retry with backoff, or failed for good (a copy in the DLQ, and an
   * alert that is queued, never awaited).
   */
  async handleFailure(running: RunningJob, error: unknown): Promise<void> {
    const decision = decideRetry(running.job, error, this.recovery.retryPolicy, new Date());
    running.log('error', `attempt ${running.attempt} failed: ${decision.errorMessage}`);
    await Promise.all(running.logWrites);
    const failed = await this.failures.push({
      id: running.id,
      attempt: running.attempt,
      ...decision,
    });
    if (failed && !decision.nextRetryAt) {
      await this.recovery
        .moveToDLQ(running.id, decision.errorMessage)
        .catch((e: unknown) =>
          this.logger.warn(`copying job ${running.id} to the DLQ failed: ${describeError(e)}`),
        );
      void this.recovery.sendAlert(running.id, decision.errorMessage, failed.jobType);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /**
   * Graceful stop: accept nothing more, give running handlers WORKER_SHUTDOWN_GRACE_MS to
   * finish, abort the rest, and hand every attempt still held back to the queue (pending again,
   * with a new outbox message) so another worker picks it up at once.
   */
  async stop(): Promise<void> {
    if (!this.accepting && !this.heartbeatTimer) return;
    this.accepting = false;
    this.signalStopping();
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    for (const running of this.held.values()) if (!running.started) running.abort('shutdown');
    const deadline = Date.now() + this.worker.shutdownGraceMs;
    // The consumer was told to stop (onModuleDestroy); its last long poll may still return
    // messages, which processMessages hands back to SQS. Aborting that poll instead could leave
    // its messages invisible until the visibility timeout.
    await this.consumerIdle();
    await Promise.all(this.intake);
    while (this.held.size && Date.now() < deadline) await sleep(50);
    if (this.held.size) {
      this.logger.warn(
        `${this.held.size} jobs still running after the grace period; aborting and re-queueing them`,
      );
      for (const running of this.held.values()) running.abort('shutdown');
      await this.release([...this.held.values()]);
    }
    await Promise.all([this.completions.close(), this.failures.close(), this.logs.close()]);
    await this.outbox.flush();
    await this.presence.leave().catch(() => undefined);
  }

  private async consumerIdle(): Promise<void> {
    const consumers = [...this.sqs.consumers.values()].map((c) => c.instance);
    const deadline = Date.now() + (this.waitTimeSeconds + 2) * 1000;
    while (consumers.some((c) => c.status.isPolling) && Date.now() < deadline) await sleep(50);
  }

  private async run(job: Job): Promise<void> {
    const running = new RunningJob(job, (r, level, message) =>
      this.logs.push({ jobId: r.id, attempt: r.attempt, level, message, source: 'worker' }),
    );
    this.held.set(job.id, running);
    try {
      const outcome = await this.execute(running);
      try {
        if (!outcome.ok) throw outcome.error;
        if (running.abortReason === 'lost') return;
        running.log('info', `attempt ${job.attempt} completed`);
        await this.handleSuccess(running, outcome.results);
      } catch (error) {
        await this.settleError(running, error).catch((e: unknown) =>
          this.logger.error(`recording the outcome of job ${job.id} failed: ${describeError(e)}`),
        );
      }
    } finally {
      this.held.delete(job.id);
    }
  }

  /**
   * Runs the handler within its slots. The slots are freed as soon as the handler settles:
   * recording the outcome (batched, lingering a few ms) must not hold one, or bookkeeping would
   * bound throughput. The job stays held (heartbeats, shutdown) until its outcome is recorded.
   */
  private async execute(
    running: RunningJob,
  ): Promise<{ ok: true; results: unknown } | { ok: false; error: unknown }> {
    let typeSlot: Semaphore | undefined;
    try {
      const entry = this.registry.get(running.job.jobType);
      typeSlot = this.typeSemaphore(entry);
      await typeSlot?.acquire();
      if (running.abortReason) throw new Error(`aborted before start: ${running.abortReason}`);
      running.started = true;
      running.log('info', `attempt ${running.attempt} started on ${this.presence.workerId}`);
      const payload = plainToInstance(entry.options.payload, running.job.payload);
      const results = await this.withTimeout(
        entry.handler.handle(payload, running.context()),
        running,
        entry.options.timeoutMs,
      );
      return { ok: true, results };
    } catch (error) {
      return { ok: false, error };
    } finally {
      typeSlot?.release();
      this.slots.release();
    }
  }

  private async settleError(running: RunningJob, error: unknown): Promise<void> {
    switch (running.abortReason) {
      case 'lost':
        return; // another attempt owns the job now; nothing of ours may be written
      case 'cancelled':
        running.log('warn', `attempt ${running.attempt} stopped: the job was cancelled`);
        await Promise.all(running.logWrites);
        await this.jobs.confirmCancelled(running.id, running.attempt).catch(() => undefined);
        return;
      case 'shutdown':
        await this.release([running]);
        return;
      default:
        await this.handleFailure(running, error);
    }
  }

  /** processing → pending plus a new outbox message, for attempts this worker gives up. */
  private async release(runs: RunningJob[]): Promise<void> {
    const refs = runs.map((r) => ({ id: r.id, attempt: r.attempt }));
    if (refs.length === 0) return;
    await this.manager.transaction(async (m) => {
      const released = await this.batch.releaseMany(refs, m);
      await this.outbox.enqueueNextAttempt(m, released);
    });
  }

  private async heartbeat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      await this.beat();
    } finally {
      this.beating = false;
    }
  }

  private async beat(): Promise<void> {
    const runs = [...this.held.values()];
    await this.presence
      .beat(runs.length)
      .catch((error: unknown) => this.logger.warn(`presence beat failed: ${describeError(error)}`));
    if (runs.length === 0) return;
    try {
      const alive = await this.batch.heartbeatMany(
        runs.map((r) => ({ id: r.id, attempt: r.attempt, progress: r.takeProgress() })),
      );
      for (const r of runs) {
        if (!alive.has(r.id)) r.abort('lost');
        else if (alive.get(r.id)) r.abort('cancelled');
      }
    } catch (error) {
      this.logger.warn(`heartbeat failed: ${describeError(error)}`);
    }
  }

  private typeSemaphore(entry: RegisteredHandler): Semaphore | undefined {
    if (entry.concurrency === undefined) return undefined;
    let slot = this.typeSlots.get(entry.type);
    if (!slot) this.typeSlots.set(entry.type, (slot = new Semaphore(entry.concurrency)));
    return slot;
  }

  private async withTimeout<T>(
    work: Promise<T>,
    running: RunningJob,
    timeoutMs: number | undefined,
  ): Promise<T> {
    if (!timeoutMs) return work;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        running.abort('timeout');
        reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
