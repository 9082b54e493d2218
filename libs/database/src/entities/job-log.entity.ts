import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { CURRENT_TX } from './job-event.entity';
import { JobEntity } from './job.entity';

export type JobLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type JobLogSource = 'api' | 'worker' | 'lambda' | 'system';

/** One line of a job's execution log (table `job_logs`), shown by GET /jobs/:id/logs. */
@Entity({ name: 'job_logs' })
@Index('idx_job_logs_job_time', ['jobId', 'createdAt', 'id'])
@Check('chk_job_logs_level', `level IN ('debug', 'info', 'warn', 'error')`)
@Check('chk_job_logs_source', `source IN ('api', 'worker', 'lambda', 'system')`)
export class JobLogEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_job_logs_job' })
  job?: JobEntity;

  @Column({ type: 'varchar', length: 10 })
  level!: JobLogLevel;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'varchar', length: 20 })
  source!: JobLogSource;

  @Column({ type: 'int', nullable: true })
  attempt!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt!: Date;

  /** The writing transaction: a resumed event stream reads the lines committed after it. */
  @Column({ type: 'bigint', default: CURRENT_TX })
  tx!: string;
}
