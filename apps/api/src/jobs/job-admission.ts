import type { AppConfig } from '@app/config';
import { JobCatalogue } from '@app/handlers';
import { JobStatsService, QuotaExceededError } from '@app/jobs';
import { ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { type AuthUser, isAdmin } from '../auth/role';

/** A job as a request names it: its type and its payload as sent. */
interface RequestedJob {
  jobType: string;
  payload: unknown;
}

/** How long a user's counted unfinished jobs stand in for a new count, in ms. */
const COUNT_REUSE_MS = 1000;

/**
 * Whether a caller may add these jobs, checked before anything is written. A job whose type
 * marks its payload admin-only (cleanup-jobs of every user) needs the admin role: 403 naming the
 * field. A user may have at most QUOTA_UNFINISHED_JOBS unfinished jobs: 429 QUOTA_EXCEEDED.
 * Admins are exempt from the quota.
 *
 * Counting a busy user's unfinished jobs for every request made POST /jobs three times slower
 * under a burst, and a user hammering at the cap cost a count of QUOTA_UNFINISHED_JOBS rows per
 * refusal. So a count stands for COUNT_REUSE_MS: it admits (plus the jobs this process admitted
 * since) and refuses on its own, and an estimate that grew past the cap is counted again before
 * a refusal. The cap can be overshot by concurrent requests and other api instances within that
 * second, by what they carry; a user whose jobs just finished may wait that second.
 */
@Injectable()
export class JobAdmission {
  private readonly maxUnfinished: number;
  /** Per user: the last count, when it was read, and the jobs admitted here since. */
  private readonly counted = new Map<string, { n: number; at: number; since: number }>();

  constructor(
    private readonly catalogue: JobCatalogue,
    private readonly stats: JobStatsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.maxUnfinished = config.get('http', { infer: true }).maxUnfinishedJobs;
  }

  /** `batch`: the jobs are a batch's, so a refusal names `jobs.<i>.payload.<field>`. */
  async admit(user: AuthUser, jobs: readonly RequestedJob[], batch = false): Promise<void> {
    if (isAdmin(user)) return;
    this.checkRole(user, jobs, batch);
    if (this.maxUnfinished === 0 || jobs.length === 0) return;
    const fits = (n: number) => n + jobs.length <= this.maxUnfinished;
    const recent = this.recent(user.id);
    let unfinished = recent && recent.n + recent.since;
    // a recent count that grew by our own admissions is counted again before it refuses
    if (unfinished === undefined || (!fits(unfinished) && recent?.since))
      unfinished = await this.count(user.id);
    if (!fits(unfinished))
      throw new QuotaExceededError(this.maxUnfinished, unfinished, jobs.length);
    const entry = this.counted.get(user.id);
    if (entry) entry.since += jobs.length;
  }

  /**
   * 403 naming the field when a job's payload asks what only an admin may (a cleanup-jobs job
   * of every user); the schedules' payloads are checked by this too.
   */
  checkRole(user: AuthUser, jobs: readonly RequestedJob[], batch = false): void {
    if (isAdmin(user)) return;
    jobs.forEach((job, i) => {
      const payload = job.payload;
      if (typeof payload !== 'object' || payload === null) return;
      const field = this.catalogue
        .find(job.jobType)
        ?.adminOnly?.(payload as Readonly<Record<string, unknown>>);
      if (field)
        throw new ForbiddenException(
          `${batch ? `jobs.${i}.` : ''}${field}: this needs the admin role`,
        );
    });
  }

  /** The user's last count if it is recent enough (with what was admitted here since). */
  private recent(userId: string): { n: number; since: number } | undefined {
    const last = this.counted.get(userId);
    return last && Date.now() - last.at < COUNT_REUSE_MS ? last : undefined;
  }

  private async count(userId: string): Promise<number> {
    const at = Date.now();
    const n = await this.stats.unfinishedOf(userId, this.maxUnfinished);
    if (this.counted.size > 10_000) this.counted.clear(); // a bound, not an eviction policy
    this.counted.set(userId, { n, at, since: 0 });
    return n;
  }
}
