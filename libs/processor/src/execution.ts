import type { AppConfig, WorkerConfig } from '@app/config';
import { type AttemptRef, type Job } from '@app/jobs';
import { withJobLogContext } from '@app/logging';
import { Metrics } from '@app/metrics';
import { describeError } from '@app/recovery';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import { HandlerRegistry, type RegisteredHandler } from './handler-registry';
import { IntakeGate } from './intake-gate';
import { inJobSpan, type JobTrace } from './job-trace';
import { OutcomeRecorder } from './outcome-recorder';
import { RunningJob } from './running-job';
import { Semaphore } from './semaphore';

type Outcome = { ok: true; results: unknown } | { ok: false; error: unknown };

/**
 * Runs claimed jobs: within WORKER_CONCURRENCY slots (the IntakeGate's) and their type's limit,
 * each attempt under a timeout, and hands what became of it to the OutcomeRecorder. A job
 * waiting for its type holds no run slot; a slot stays taken until its handler really settles,
 * so concurrency never overshoots, and a handler that ignores its abort signal is a runaway.
 */
@Injectable()
export class Execution {
  private readonly logger = new Logger(Execution.name);
  private readonly runs = new Map<string, RunningJob>();
  private readonly typeSlots = new Map<string, Semaphore>();
  private readonly worker: WorkerConfig;
  /** Attempts aborted while the worker was fenced, released once PostgreSQL answers again. */
  private fenced: AttemptRef[] = [];
  private runawayCount = 0;
  private accepting = true;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly gate: IntakeGate,
    private readonly outcomes: OutcomeRecorder,
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    this.worker = config.get('worker', { infer: true });
    metrics.worker.slots.set(this.worker.concurrency);
  }

  /** Jobs this worker holds: claimed, waiting for a slot, running, or being recorded. */
  get held(): RunningJob[] {
    return [...this.runs.values()];
  }

  /** Handlers that ignored their abort signal past WORKER_ABORT_GRACE_MS and still run. */
  get runaways(): number {
    return this.runawayCount;
  }

  /** From now on, jobs handed over are released at once instead of run (the worker is stopping). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** The fenced attempts not yet released; `giveBack` returns them when releasing failed. */
  takeFenced(): AttemptRef[] {
    const refs = this.fenced;
    this.fenced = [];
    return refs;
  }

  giveBack(refs: readonly AttemptRef[]): void {
    this.fenced.push(...refs);
  }

  /**
   * Runs a claimed job to its recorded outcome; `holdsSlot`: it came with a reserved run slot.
   * Every line logged on the way carries the job's id, attempt and type.
   */
  run(job: Job, holdsSlot: boolean, jobTrace?: JobTrace): Promise<void> {
    const fields = { jobId: job.id, attempt: job.attempt, jobType: job.jobType };
    return withJobLogContext(fields, () => this.runLogged(job, holdsSlot, jobTrace));
  }

  private async runLogged(job: Job, holdsSlot: boolean, jobTrace?: JobTrace): Promise<void> {
    const running = new RunningJob(
      job,
      (r, level, message) =>
        this.outcomes.log({ jobId: r.id, attempt: r.attempt, level, message, source: 'worker' }),
      jobTrace,
    );
    this.runs.set(job.id, running);
    try {
      if (!this.accepting) running.abort('shutdown');
      else if (this.gate.isFenced) running.abort('fenced');
      const outcome = await this.execute(running, holdsSlot);
      await inJobSpan(jobTrace, 'complete', () => this.settle(running, outcome));
    } catch (error) {
      this.logger.error(`recording the outcome of job ${job.id} failed: ${describeError(error)}`);
    } finally {
      this.runs.delete(job.id);
    }
  }

  /**
   * Runs the handler. The job arrives holding a run slot, or (received beyond the reservation)
   * without one; when its type is at its limit it gives the slot back while it waits, so other
   * types run meanwhile. A job waiting for either slot counts against the gate's local buffer.
   * Both slots are freed when the handler settles, not when its outcome is written (recording
   * is batched and lingers a few ms), and not when it merely timed out.
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
    await this.takeSlots(typeSlot, holdsSlot, running.job.priority);
    const freeSlots = (): void => {
      typeSlot?.release();
      this.gate.slots.release();
    };
    if (running.abortReason) {
      freeSlots();
      return { ok: false, error: new Error(`aborted before start: ${running.abortReason}`) };
    }
    running.started = true;
    const counted = this.countStart(running.job);
    const handler = inJobSpan(running.trace, `job ${running.job.jobType}`, async () => {
      const payload = plainToInstance(entry.payload, running.job.payload);
      return entry.run(payload, running.context());
    }).then(
      (results): Outcome => ({ ok: true, results }),
      (error: unknown): Outcome => ({ ok: false, error }),
    );
    void handler.finally(() => {
      freeSlots();
      counted();
    });
    return this.bounded(running, handler, this.timeoutMs(running.job, entry));
  }

  /**
   * The attempt's time limit: the job's own timeoutSeconds (the api kept it within its type's
   * limit), else its type's, else WORKER_DEFAULT_TIMEOUT_MS. A Lambda-routed job is bounded the
   * same way here; the function itself runs on to its own configured timeout.
   */
  private timeoutMs(job: Job, entry: RegisteredHandler): number {
    if (job.timeoutSeconds) return job.timeoutSeconds * 1000;
    return entry.timeoutMs ?? this.worker.defaultTimeoutMs;
  }

  /** Waits for the slots a job lacks; waiters of a higher `priority` are served first. */
  private async takeSlots(
    typeSlot: Semaphore | undefined,
    holdsSlot: boolean,
    priority: number,
  ): Promise<void> {
    const hasType = !typeSlot || typeSlot.tryAcquire();
    if (!hasType && holdsSlot) this.gate.slots.release();
    if (hasType && holdsSlot) return;
    this.gate.park(priority);
    try {
      if (!hasType) await typeSlot?.acquire(priority);
      await this.gate.slots.acquire(priority);
    } finally {
      this.gate.unpark(priority);
    }
  }

  /** The handler's outcome, or a timeout failure: when it returns, or as a runaway after the grace. */
  private async bounded(
    running: RunningJob,
    handler: Promise<Outcome>,
    timeoutMs: number,
  ): Promise<Outcome> {
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
        this.fenced.push(running.ref);
        return;
      default:
        return this.outcomes.failed(running, outcome.ok ? undefined : outcome.error);
    }
  }

  /**
   * Counts a handler's start; the returned function counts its end. Queue wait is taken from the
   * row (created_at to the first claim, both by the database clock), so worker clocks never skew it.
   */
  private countStart(job: Job): () => void {
    const labels = this.metrics.jobType(job.jobType);
    const { jobs, worker } = this.metrics;
    jobs.started.inc(labels);
    if (job.attempt === 1 && job.startedAt)
      jobs.queueWait.observe(labels, Math.max(0, +job.startedAt - +job.createdAt) / 1000);
    worker.inFlight.inc(labels);
    const ran = jobs.runDuration.startTimer(labels);
    return () => {
      worker.inFlight.dec(labels);
      ran();
    };
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
