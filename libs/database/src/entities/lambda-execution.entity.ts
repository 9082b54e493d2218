import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { JobEntity } from './job.entity';

export type LambdaExecutionStatus = 'running' | 'succeeded' | 'failed';

/**
 * One invocation of a Lambda function for one attempt of a job (table `lambda_executions`).
 * The orchestrator writes it for RequestResponse invocations; for Event invocations the function
 * itself records its outcome here, and the worker polls for it.
 */
@Entity({ name: 'lambda_executions' })
@Index('idx_lambda_executions_job_attempt', ['jobId', 'attempt'])
@Check('chk_lambda_executions_status', `status IN ('running', 'succeeded', 'failed')`)
@Check('chk_lambda_executions_invocation_type', `invocation_type IN ('RequestResponse', 'Event')`)
export class LambdaExecutionEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_lambda_executions_job' })
  job?: JobEntity;

  @Column({ type: 'int' })
  attempt!: number;

  @Column({ name: 'function_name', type: 'varchar', length: 64 })
  functionName!: string;

  @Column({ name: 'invocation_type', type: 'varchar', length: 20 })
  invocationType!: 'RequestResponse' | 'Event';

  /** Lambda's request id (x-amzn-RequestId), once known. */
  @Column({ name: 'request_id', type: 'varchar', length: 100, nullable: true })
  requestId!: string | null;

  @Column({ type: 'varchar', length: 20, default: 'running' })
  status!: LambdaExecutionStatus;

  @Column({ type: 'jsonb', nullable: true })
  result!: unknown;

  /** `{ errorType, errorMessage }` of a failed execution. */
  @Column({ type: 'jsonb', nullable: true })
  error!: unknown;

  /** The last 4 KB of the function's output. */
  @Column({ name: 'log_tail', type: 'text', nullable: true })
  logTail!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
