import type { AppConfig } from '@app/config';
import { JobsBatchService, WorkerPresence } from '@app/jobs';
import { describeError } from '@app/recovery';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Execution } from './execution';
import { IntakeGate } from './intake-gate';
import { OutcomeRecorder } from './outcome-recorder';

/**
 * Every WORKER_HEARTBEAT_MS: the worker's presence row and, in one UPDATE, heartbeat_at and
 * progress of every job it holds; the answer says which were cancelled (their signal fires) or
 * taken over (aborted, result dropped). One beat at a time: a slow database gets no pile.
 *
 * Self-fencing: a worker whose heartbeat has not reached PostgreSQL for the stall limit minus
 * one heartbeat aborts its handlers and stops receiving, before any sweeper may hand its jobs
 * to another worker (that takes the stall limit plus a confirmation). When PostgreSQL answers
 * again, the first beat releases those attempts (pending, no retry spent) and resumes intake.
 */
@Injectable()
export class Heartbeat {
  private readonly logger = new Logger(Heartbeat.name);
  private readonly intervalMs: number;
  private readonly fenceAfterMs: number;
  private timer?: NodeJS.Timeout;
  private lastBeatAt = Date.now();
  private beating = false;

  constructor(
    private readonly execution: Execution,
    private readonly gate: IntakeGate,
    private readonly batch: JobsBatchService,
    private readonly outcomes: OutcomeRecorder,
    private readonly presence: WorkerPresence,
    config: ConfigService<AppConfig, true>,
  ) {
    const worker = config.get('worker', { infer: true });
    this.intervalMs = worker.heartbeatMs;
    this.fenceAfterMs = worker.stallAfterMs - worker.heartbeatMs;
  }

  start(): void {
    this.lastBeatAt = Date.now();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    void this.presence.beat(0).catch(() => undefined);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
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
    const fenced = this.execution.takeFenced();
    if (fenced.length)
      await this.outcomes.release(fenced).catch((error: unknown) => {
        this.execution.giveBack(fenced);
        throw error;
      });
    // every held attempt, fenced ones too: a handler that has not stopped yet is still running
    const runs = this.execution.held;
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
    const held = this.execution.held;
    this.logger.error(
      `no heartbeat reached PostgreSQL for ${Date.now() - this.lastBeatAt} ms: aborting ${held.length} jobs and pausing intake until it answers`,
    );
    for (const running of held) running.abort('fenced');
  }
}
