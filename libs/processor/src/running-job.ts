import type { JobLogLevel } from '@app/database';
import type { JobContext } from '@app/handlers';
import type { Job } from '@app/jobs';
import type { JobTrace } from './job-trace';

/**
 * Why a handler's signal fired: the job was cancelled; the worker is stopping; another attempt
 * owns the job now; the attempt ran past its timeout; or the worker could not reach PostgreSQL
 * for the stall limit and stopped its own handlers before others could take their jobs over.
 */
export type AbortReason = 'cancelled' | 'shutdown' | 'lost' | 'timeout' | 'fenced';

/** A job this worker has claimed: its fence (attempt), its abort switch and unsent progress. */
export class RunningJob {
  readonly controller = new AbortController();
  readonly logWrites: Promise<unknown>[] = [];
  started = false;
  progress: number | null = null;
  private progressDirty = false;

  constructor(
    readonly job: Job,
    private readonly writeLog: (
      job: RunningJob,
      level: JobLogLevel,
      message: string,
    ) => Promise<unknown>,
    /** The attempt's spans; undefined when tracing is off. */
    readonly trace?: JobTrace,
  ) {}

  get id(): string {
    return this.job.id;
  }

  get attempt(): number {
    return this.job.attempt;
  }

  /** The fence every write for this attempt carries. */
  get ref(): { id: string; attempt: number } {
    return { id: this.job.id, attempt: this.job.attempt };
  }

  get abortReason(): AbortReason | undefined {
    return this.controller.signal.aborted
      ? (this.controller.signal.reason as AbortReason)
      : undefined;
  }

  abort(reason: AbortReason): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Progress changed since the last heartbeat, else null (the heartbeat keeps the stored value). */
  takeProgress(): number | null {
    if (!this.progressDirty) return null;
    this.progressDirty = false;
    return this.progress;
  }

  log(level: JobLogLevel, message: string): void {
    this.logWrites.push(this.writeLog(this, level, message).catch(() => undefined));
  }

  context(): JobContext {
    return {
      jobId: this.job.id,
      jobType: this.job.jobType,
      userId: this.job.userId,
      attempt: this.job.attempt,
      signal: this.controller.signal,
      progress: (percent: number) => {
        const clamped = Math.max(
          0,
          Math.min(100, Math.round(Number.isFinite(percent) ? percent : 0)),
        );
        if (clamped !== this.progress) {
          this.progress = clamped;
          this.progressDirty = true;
        }
      },
      log: (level, message) => this.log(level, String(message).slice(0, 10_000)),
    };
  }
}
