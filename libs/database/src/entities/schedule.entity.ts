import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A recurring job (table `schedules`): on every tick of `cron` in `timeZone`, one job of
 * `jobType` with `payload`, owned by `userId`. Written by libs/schedules only.
 */
@Entity({ name: 'schedules' })
@Index('idx_schedules_due', ['dueAt'], { where: 'NOT paused' })
@Index('idx_schedules_user_created', ['userId', 'createdAt', 'id'])
@Index('uq_schedules_system_name', ['name'], { unique: true, where: `user_id = 'system'` })
@Check('chk_schedules_jitter', 'jitter_seconds BETWEEN 0 AND 3600')
@Check('chk_schedules_due', 'due_at >= next_run_at')
export class ScheduleEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_schedules' })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  name!: string | null;

  @Column({ type: 'varchar', length: 100 })
  cron!: string;

  @Column({ name: 'time_zone', type: 'varchar', length: 64, default: 'UTC' })
  timeZone!: string;

  @Column({ name: 'job_type', type: 'varchar', length: 50 })
  jobType!: string;

  @Column({ type: 'jsonb', default: {} })
  payload!: unknown;

  @Column({ name: 'jitter_seconds', type: 'int', default: 0 })
  jitterSeconds!: number;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  /** The next tick (also the tick's idempotency key). */
  @Column({ name: 'next_run_at', type: 'timestamptz' })
  nextRunAt!: Date;

  /** next_run_at plus the tick's jitter: when the job is submitted. */
  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Column({ name: 'last_run_at', type: 'timestamptz', nullable: true })
  lastRunAt!: Date | null;

  @Column({ name: 'last_job_id', type: 'uuid', nullable: true })
  lastJobId!: string | null;

  /** Why the last tick submitted nothing (e.g. its payload no longer passes); null after a job. */
  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
