import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { JobStatus } from './job-status';

/** A unit of background work and its whole visible state (table `jobs`). */
@Entity({ name: 'jobs' })
@Index('idx_jobs_user_id_status', ['userId', 'status'])
@Index('idx_jobs_status_created', ['status', 'createdAt'])
@Index('idx_jobs_next_retry', ['nextRetryAt'], { where: `status = 'failed'` })
@Index('idx_jobs_type', ['jobType'])
@Index('idx_jobs_user_created', ['userId', 'createdAt', 'id'])
@Index('idx_jobs_stalled', ['heldBy'], { where: `status = 'processing'` })
@Index('idx_jobs_completed_type', ['jobType', 'completedAt'], { where: `status = 'completed'` })
@Index('idx_jobs_parent_id', ['parentId'], { where: 'parent_id IS NOT NULL' })
@Index('idx_jobs_finished', ['completedAt', 'id'], { where: 'completed_at IS NOT NULL' })
@Index('idx_jobs_user_finished', ['userId', 'completedAt', 'id'], {
  where: 'completed_at IS NOT NULL',
})
// GIN (payload jsonb_path_ops): TypeORM cannot express the access method, the migration does
@Index('idx_jobs_payload', { synchronize: false })
@Index('idx_jobs_expire_due', ['expireAt'], {
  where: `status = 'pending' AND expire_at IS NOT NULL`,
})
@Index('idx_jobs_waiting', ['createdAt'], { where: `status = 'pending' AND dependencies_left > 0` })
@Index('uq_jobs_user_idempotency_key', ['userId', 'idempotencyKey'], {
  unique: true,
  where: 'idempotency_key IS NOT NULL',
})
@Check('chk_jobs_status', `status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')`)
@Check('chk_jobs_progress', 'progress BETWEEN 0 AND 100')
@Check('chk_jobs_retries', 'retry_count >= 0 AND max_retries >= 0 AND retry_count <= max_retries')
@Check('chk_jobs_attempt', 'attempt >= 0')
@Check('chk_jobs_timeout_seconds', 'timeout_seconds > 0')
@Check('chk_jobs_dependencies_left', 'dependencies_left >= 0')
export class JobEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ name: 'job_type', type: 'varchar', length: 50 })
  jobType!: string;

  @Column({ type: 'varchar', length: 20, default: JobStatus.Pending })
  status!: JobStatus;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  results!: unknown;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'retry_count', type: 'int', default: 0 })
  retryCount!: number;

  @Column({ name: 'max_retries', type: 'int', default: 3 })
  maxRetries!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'next_retry_at', type: 'timestamptz', nullable: true })
  nextRetryAt!: Date | null;

  /** Percent done, reported by the handler. */
  @Column({ type: 'smallint', default: 0 })
  progress!: number;

  /** Incremented by every claim; completion writes must quote it (fencing token). */
  @Column({ type: 'int', default: 0 })
  attempt!: number;

  @Column({ name: 'heartbeat_at', type: 'timestamptz', nullable: true })
  heartbeatAt!: Date | null;

  /** The worker that claimed the current attempt (WorkerPresence.workerId), kept for the record. */
  @Column({ name: 'held_by', type: 'varchar', length: 255, nullable: true })
  heldBy!: string | null;

  /** The claim statement (one per received batch, shared by its retries) that took the attempt. */
  @Column({ name: 'claim_id', type: 'uuid', nullable: true })
  claimId!: string | null;

  /** Attempts lost with their worker (stalled); re-run without spending a retry, up to max_retries. */
  @Column({ name: 'stall_count', type: 'int', default: 0 })
  stallCount!: number;

  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true })
  cancelRequestedAt!: Date | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  /** SHA-256 (hex) of the request that created the job under `idempotencyKey`. */
  @Column({ name: 'idempotency_fingerprint', type: 'char', length: 64, nullable: true })
  idempotencyFingerprint!: string | null;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  /** W3C traceparent of the span that submitted the job; null while tracing is off. */
  @Column({ name: 'trace_parent', type: 'varchar', length: 55, nullable: true })
  traceParent!: string | null;

  /** When the job becomes due (runAt / delaySeconds); null: at once. Its outbox row waits for it. */
  @Column({ name: 'run_at', type: 'timestamptz', nullable: true })
  runAt!: Date | null;

  /** No attempt starts after this: a job still pending then is cancelled. */
  @Column({ name: 'expire_at', type: 'timestamptz', nullable: true })
  expireAt!: Date | null;

  /** This job's time limit per attempt, instead of its type's; null: the type's. */
  @Column({ name: 'timeout_seconds', type: 'int', nullable: true })
  timeoutSeconds!: number | null;

  /** Dependencies (job_dependencies) not completed yet; above 0 the job waits with no outbox row. */
  @Column({ name: 'dependencies_left', type: 'int', default: 0 })
  dependenciesLeft!: number;

  @ManyToOne(() => JobEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'parent_id', foreignKeyConstraintName: 'fk_jobs_parent' })
  parent?: JobEntity | null;
}
