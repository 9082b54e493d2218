import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A pending job held over its user's fair share (table `held_jobs`): the claim consumed its
 * message, so none is in flight. The share release announces it and sets `released_at`; the
 * claim that starts it deletes the row. `user_id`, `job_type` and `created_at` are the job's,
 * copied so that the release walks one user's held jobs in order without touching `jobs`. No
 * foreign key (see the migration): a row whose job was deleted is dropped by the release.
 */
@Entity({ name: 'held_jobs' })
@Index('idx_held_jobs_waiting', ['userId', 'createdAt'], { where: 'released_at IS NULL' })
@Index('idx_held_jobs_released', ['userId'], { where: 'released_at IS NOT NULL' })
export class HeldJobEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ name: 'job_type', type: 'varchar', length: 50 })
  jobType!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'held_at', type: 'timestamptz', default: () => 'now()' })
  heldAt!: Date;

  /** When the release announced it; null while it waits. */
  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt!: Date | null;
}
