import type { AppConfig } from '@app/config';
import { JobStatus, queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { JobsBatchService } from './jobs-batch.service';

/** An admin's cap for one user, instead of FAIR_SHARE_MAX_RUNNING. */
export interface UserShare {
  userId: string;
  maxRunning: number;
  updatedBy: string | null;
  updatedAt: Date;
}

/** A type's cap on each user's running jobs of it. */
export interface TypeShare {
  jobType: string;
  maxRunningPerUser: number;
}

/** A user with jobs held over their share: how many wait, how many run. */
export interface HoldingUser {
  userId: string;
  held: number;
  running: number;
}

export interface FairShares {
  defaultMaxRunning: number | null;
  users: UserShare[];
  types: TypeShare[];
  holding: HoldingUser[];
}

/**
 * The fair-share caps admins set (per user in `user_limits`, per type in job_type_states) and
 * what they hold back. The claim and the release apply them (fair-shares.ts); a change of caps
 * runs a release at once, so a raised or removed cap starts held jobs without waiting for the
 * sweeper.
 */
@Injectable()
export class FairSharesService {
  private readonly defaultMaxRunning: number | null;

  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly batch: JobsBatchService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.defaultMaxRunning = config.get('shares', { infer: true }).maxRunningPerUser;
  }

  async list(): Promise<FairShares> {
    const [users, types, holding] = await Promise.all([
      queryRows<UserShare>(
        this.manager,
        `SELECT user_id AS "userId", max_running AS "maxRunning", updated_by AS "updatedBy",
           updated_at AS "updatedAt"
         FROM user_limits ORDER BY user_id`,
      ),
      queryRows<TypeShare>(
        this.manager,
        `SELECT job_type AS "jobType", max_running_per_user AS "maxRunningPerUser"
         FROM job_type_states WHERE max_running_per_user IS NOT NULL ORDER BY job_type`,
      ),
      queryRows<HoldingUser>(
        this.manager,
        `SELECT h.user_id AS "userId", h.held,
           (SELECT count(*)::int FROM jobs r WHERE r.user_id = h.user_id AND r.status = '${JobStatus.Processing}') AS running
         FROM (SELECT user_id, count(*)::int AS held FROM held_jobs WHERE released_at IS NULL GROUP BY user_id) h
         ORDER BY h.held DESC, h.user_id LIMIT 100`,
      ),
    ]);
    return { defaultMaxRunning: this.defaultMaxRunning, users, types, holding };
  }

  async setUser(userId: string, maxRunning: number, by: string): Promise<UserShare> {
    const [row] = await queryRows<UserShare>(
      this.manager,
      `INSERT INTO user_limits AS l (user_id, max_running, updated_by) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET max_running = EXCLUDED.max_running,
         updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING user_id AS "userId", max_running AS "maxRunning", updated_by AS "updatedBy",
         updated_at AS "updatedAt"`,
      [userId, maxRunning, by],
    );
    await this.batch.releaseHeld();
    return row;
  }

  /** Drops a user's override, if any: the default applies again. */
  async clearUser(userId: string): Promise<void> {
    const rows = await queryRows(
      this.manager,
      `DELETE FROM user_limits WHERE user_id = $1 RETURNING user_id`,
      [userId],
    );
    if (rows.length) await this.batch.releaseHeld();
  }

  async setType(jobType: string, maxRunningPerUser: number): Promise<TypeShare> {
    const [row] = await queryRows<TypeShare>(
      this.manager,
      `INSERT INTO job_type_states AS s (job_type, max_running_per_user) VALUES ($1, $2)
       ON CONFLICT (job_type) DO UPDATE SET max_running_per_user = EXCLUDED.max_running_per_user,
         updated_at = now()
       RETURNING job_type AS "jobType", max_running_per_user AS "maxRunningPerUser"`,
      [jobType, maxRunningPerUser],
    );
    await this.batch.releaseHeld();
    return row;
  }

  /** Drops a type's cap, if any. */
  async clearType(jobType: string): Promise<void> {
    const rows = await queryRows(
      this.manager,
      `UPDATE job_type_states SET max_running_per_user = NULL, updated_at = now()
       WHERE job_type = $1 AND max_running_per_user IS NOT NULL RETURNING job_type`,
      [jobType],
    );
    if (rows.length) await this.batch.releaseHeld();
  }
}
