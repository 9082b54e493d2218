import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Operator state of a job type (table `job_type_states`), one row per type an admin ever
 * paused: while `paused_at` is set, no worker claims the type's jobs (see the claim in
 * JobsBatchService) and the resend sweep leaves them alone. A type without a row runs.
 */
@Entity({ name: 'job_type_states' })
export class JobTypeStateEntity {
  @PrimaryColumn({ name: 'job_type', type: 'varchar', length: 50 })
  jobType!: string;

  @Column({ name: 'paused_at', type: 'timestamptz', nullable: true })
  pausedAt!: Date | null;

  /** The admin who paused it (the token's subject). */
  @Column({ name: 'paused_by', type: 'varchar', length: 255, nullable: true })
  pausedBy!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
