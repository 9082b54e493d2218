import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Operator state of a job type (table `job_type_states`), one row per type an admin ever
 * paused: while `paused_at` is set, no worker claims the type's jobs (see the claim in
 * JobsBatchService) and the resend sweep leaves them alone. While `rate_limit` is set, the claim
 * starts at most that many of its jobs in any `rate_interval_seconds` (libs/jobs rate-limits.ts).
 * A type without a row runs unlimited.
 */
@Entity({ name: 'job_type_states' })
@Check('job_type_states_rate_limit_range', 'rate_limit BETWEEN 1 AND 10000')
@Check('job_type_states_rate_interval_range', 'rate_interval_seconds BETWEEN 1 AND 86400')
@Check('job_type_states_rate_limit_whole', '(rate_limit IS NULL) = (rate_interval_seconds IS NULL)')
@Check('chk_job_type_states_max_running', 'max_running_per_user > 0')
export class JobTypeStateEntity {
  @PrimaryColumn({ name: 'job_type', type: 'varchar', length: 50 })
  jobType!: string;

  @Column({ name: 'paused_at', type: 'timestamptz', nullable: true })
  pausedAt!: Date | null;

  /** The admin who paused it (the token's subject). */
  @Column({ name: 'paused_by', type: 'varchar', length: 255, nullable: true })
  pausedBy!: string | null;

  /** At most this many starts per rate_interval_seconds, across all workers; null: no limit. */
  @Column({ name: 'rate_limit', type: 'int', nullable: true })
  rateLimit!: number | null;

  @Column({ name: 'rate_interval_seconds', type: 'int', nullable: true })
  rateIntervalSeconds!: number | null;

  /** The claim times of the starts in the current window (with rate_window_n: how many each). */
  @Column({ name: 'rate_window_at', type: 'timestamptz', array: true, default: () => "'{}'" })
  rateWindowAt!: Date[];

  @Column({ name: 'rate_window_n', type: 'int', array: true, default: () => "'{}'" })
  rateWindowN!: number[];

  /** The slot of the last job the claim deferred (its outbox row's not_before). */
  @Column({ name: 'rate_deferred_until', type: 'timestamptz', nullable: true })
  rateDeferredUntil!: Date | null;
  /** Most jobs of this type one user may have running at once; null: no cap of its own. */
  @Column({ name: 'max_running_per_user', type: 'int', nullable: true })
  maxRunningPerUser!: number | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
