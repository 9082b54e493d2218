import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { JobEntity } from './job.entity';

/** One measurement of one attempt (table `job_metrics`), e.g. processing_time_ms or queue_wait_ms. */
@Entity({ name: 'job_metrics' })
@Index('idx_metrics_type_time', ['metricType', 'recordedAt'])
@Index('idx_job_metrics_job_id', ['jobId'])
export class JobMetricEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId!: string | null;

  @ManyToOne(() => JobEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_job_metrics_job' })
  job?: JobEntity;

  @Column({ name: 'metric_type', type: 'varchar', length: 50, nullable: true })
  metricType!: string | null;

  @Column({ name: 'metric_value', type: 'double precision', nullable: true })
  metricValue!: number | null;

  @Column({ name: 'recorded_at', type: 'timestamptz', nullable: true, default: () => 'now()' })
  recordedAt!: Date | null;

  /** Copied from the job so trends per type survive the job's clean-up. */
  @Column({ name: 'job_type', type: 'varchar', length: 50, nullable: true })
  jobType!: string | null;

  @Column({ type: 'int', nullable: true })
  attempt!: number | null;
}
