import type { Message } from '@aws-sdk/client-sqs';
import type { AppConfig, WorkerConfig } from '@app/config';
import { WorkerPresence } from '@app/jobs';
import { Outbox } from '@app/queue';
import { describeError } from '@app/recovery';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SqsService } from '@ssut/nestjs-sqs';
import { Execution } from './execution';
import { Heartbeat } from './heartbeat';
import { Intake } from './intake';
import { IntakeGate } from './intake-gate';
import { OutcomeRecorder } from './outcome-recorder';

/** After WORKER_SHUTDOWN_GRACE_MS, how long stop() still tries to record what it holds, in ms. */
const SHUTDOWN_FLUSH_MS = 10_000;

/**
 * The specification's JobProcessor: the worker's engine, assembled from parts that each have
 * one reason to change: the IntakeGate (flow control), Intake (receive, claim, acknowledge),
 * Execution (slots, timeouts, running handlers), the OutcomeRecorder (completions, failures,
 * dead letters, logs) and the Heartbeat (liveness and self-fencing). This class starts them and
 * stops them in order.
 */
@Injectable()
export class JobProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobProcessor.name);
  private readonly worker: WorkerConfig;
  private readonly waitTimeSeconds: number;
  private running = false;

  constructor(
    private readonly gate: IntakeGate,
    private readonly intake: Intake,
    private readonly execution: Execution,
    private readonly heartbeat: Heartbeat,
    private readonly outcomes: OutcomeRecorder,
    private readonly outbox: Outbox,
    private readonly sqs: SqsService,
    private readonly presence: WorkerPresence,
    config: ConfigService<AppConfig, true>,
  ) {
    this.worker = config.get('worker', { infer: true });
    this.waitTimeSeconds = config.get('queue', { infer: true }).waitTimeSeconds;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Opens the gate for the receive loops and starts the heartbeat. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.gate.open(new Map([...this.sqs.consumers].map(([name, c]) => [name, c.instance])));
    this.heartbeat.start();
    this.logger.log(
      `worker ${this.presence.workerId} processing up to ${this.worker.concurrency} jobs at once`,
    );
  }

  /** One batch received by loop `receiver` (see Intake.receive). */
  processMessages(receiver: string, messages: readonly Message[]): Promise<void> {
    this.intake.receive(receiver, messages);
    return Promise.resolve();
  }

  /** Number of jobs this worker holds (claimed, running, waiting for a slot, or being recorded). */
  get inFlight(): number {
    return this.execution.held.length;
  }

  /** True while the worker has fenced itself (no heartbeat reached PostgreSQL for too long). */
  get fenced(): boolean {
    return this.gate.isFenced;
  }

  /** Handlers that ignored their abort signal past WORKER_ABORT_GRACE_MS and still run. */
  get runaways(): number {
    return this.execution.runaways;
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
    if (!this.running) return;
    this.running = false;
    this.gate.close();
    this.execution.stopAccepting();
    this.heartbeat.stop();
    for (const job of this.execution.held) if (!job.started) job.abort('shutdown');
    const deadline = Date.now() + this.worker.shutdownGraceMs;
    // The consumers were told to stop (onModuleDestroy); a long poll in progress may still
    // return messages, which are claimed and then released. Aborting that poll instead could
    // leave its messages invisible until the visibility timeout.
    await this.consumerIdle();
    await this.intake.drain();
    while (this.execution.held.length && Date.now() < deadline) await sleep(50);
    const left = this.execution.held;
    if (left.length) {
      this.logger.warn(
        `${left.length} jobs still running after the grace period; aborting and re-queueing them`,
      );
      for (const job of left) job.abort('shutdown');
      await this.outcomes
        .release(left.map((r) => r.ref))
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
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
