import { type Job, JobsBatchService } from '@app/jobs';
import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '../auth/role';

/** A job an action touched; its owner when known. */
type AuditTarget = Pick<Job, 'id'> & Partial<Pick<Job, 'userId'>>;

/** What an audit line says was done (stable names, for log queries). */
export type AuditAction = 'job.read' | 'job.logs.read' | 'job.cancel' | 'job.retry' | 'dlq.redrive';

/**
 * The audit trail of admin actions on other users' jobs: one line per action in the api's log
 * (`audit: { actor, action, targets }`), and, for an action that changes a job, a line in that
 * job's own logs (source `api`), so its owner sees who did what.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger('Audit');

  constructor(private readonly batch: JobsBatchService) {}

  /** `actor` read `job`: an audit line when the job is someone else's. */
  read(actor: AuthUser, action: 'job.read' | 'job.logs.read', job: Job): void {
    if (job.userId !== actor.id) this.line(actor, action, [job]);
  }

  /** `actor` acted on `job` (cancel, retry): audited when the job is someone else's. */
  async acted(actor: AuthUser, action: 'job.cancel' | 'job.retry', job: Job): Promise<void> {
    if (job.userId !== actor.id) await this.changed(actor, action, [job]);
  }

  /** An admin action that changed `jobs`, whoever owns them (re-drive). */
  async changed(actor: AuthUser, action: AuditAction, jobs: readonly AuditTarget[]): Promise<void> {
    if (jobs.length === 0) return;
    this.line(actor, action, jobs);
    await this.batch.appendLogs(
      jobs.map((job) => ({
        jobId: job.id,
        attempt: null,
        level: 'info' as const,
        message: `${action} by ${actor.id} (admin)`,
        source: 'api' as const,
      })),
    );
  }

  private line(actor: AuthUser, action: AuditAction, jobs: readonly AuditTarget[]): void {
    const targets = jobs.map((j) => ({ jobId: j.id, owner: j.userId }));
    this.logger.log({
      msg: `audit: ${actor.id} ${action} ${jobs.length === 1 ? jobs[0].id : `${jobs.length} jobs`}`,
      audit: { actor: actor.id, action, targets },
    });
  }
}
