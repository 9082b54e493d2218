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

/**
 * Whether a caller may add these jobs, checked before anything is written. A job whose type
 * marks its payload admin-only (cleanup-jobs of every user) needs the admin role: 403 naming the
 * field. A user may have at most QUOTA_UNFINISHED_JOBS unfinished jobs: 429 QUOTA_EXCEEDED.
 * Admins are exempt from the quota. The count is read before the insert, so concurrent requests
 * of one user can overshoot the cap by what they carry together (at most a batch each).
 */
@Injectable()
export class JobAdmission {
  private readonly maxUnfinished: number;

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
    if (this.maxUnfinished === 0 || jobs.length === 0) return;
    const unfinished = await this.stats.unfinishedOf(user.id, this.maxUnfinished);
    if (unfinished + jobs.length > this.maxUnfinished)
      throw new QuotaExceededError(this.maxUnfinished, unfinished, jobs.length);
  }
}
