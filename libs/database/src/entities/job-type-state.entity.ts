import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Operator state of a job type (table `job_type_states`), one row per type an admin ever
 * paused: while `paused_at` is set, no worker claims the type's jobs (see the claim in
 * JobsBatchService) and the resend sweep leaves them alone. A type without a row runs.
 */
@Entity({ name: 'job_type_states' })
@Check('chk_job_type_states_max_running', 'max_running_per_user > 0')
export class JobTypeStateEntity {
  @PrimaryColumn({ name: 'job_type', type: 'varchar', length: 50 })
  jobType!: string;

  @Column({ name: 'paused_at', type: 'timestamptz', nullable: true })
  pausedAt!: Date | null;

  /** The admin who paused it (the token's subject). */
  @Column({ name: 'paused_by', type: 'varchar', length: 255, nullable: true })
  pausedBy!: string | null;

  /** Most jobs of this type one user may have running at once; null: no cap of its own. */
  @Column({ name: 'max_running_per_user', type: 'int', nullable: true })
  maxRunningPerUser!: number | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
