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
import { JobEntity } from './job.entity';

/**
 * One SQS message for one attempt of a job (table `queue_messages`). It doubles as the
 * transactional outbox: a row is written in the job's transaction with `sent_at` NULL, and the
 * relay sends it after commit.
 */
@Entity({ name: 'queue_messages' })
@Check('chk_queue_messages_delay_seconds', `delay_seconds BETWEEN 0 AND 900`)
@Index('idx_queue_messages_processed', ['processedAt'])
// (COALESCE(not_before, created_at)) WHERE sent_at IS NULL: TypeORM cannot express an
// expression index, the migration does (1764300013000)
@Index('idx_queue_messages_due', { synchronize: false })
@Index('idx_queue_messages_job_id', ['jobId'])
export class QueueMessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId!: string | null;

  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_queue_messages_job' })
  job?: JobEntity;

  @Column({ name: 'queue_url', type: 'varchar', length: 500, nullable: true })
  queueUrl!: string | null;

  @Column({ name: 'message_id', type: 'varchar', length: 255, nullable: true })
  messageId!: string | null;

  @Column({ name: 'receipt_handle', type: 'text', nullable: true })
  receiptHandle!: string | null;

  @Column({ type: 'int', nullable: true, default: 1 })
  attempt!: number | null;

  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamptz',
    nullable: true,
    default: () => 'now()',
  })
  createdAt!: Date | null;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  /** NULL until the relay has handed the message to SQS. */
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'send_attempts', type: 'int', default: 0 })
  sendAttempts!: number;

  @Column({ name: 'last_send_error', type: 'text', nullable: true })
  lastSendError!: string | null;

  /** Set while a relay is sending the row; an expired lease means that relay died mid-send. */
  @Column({ name: 'leased_until', type: 'timestamptz', nullable: true })
  leasedUntil!: Date | null;

  /** SQS DelaySeconds for the message (0-900). */
  @Column({ name: 'delay_seconds', type: 'int', default: 0 })
  delaySeconds!: number;

  /**
   * A delayed job's due time: the relay sends the row no earlier than 60 s before it, with SQS
   * DelaySeconds for the rest. NULL: send at once (after delay_seconds).
   */
  @Column({ name: 'not_before', type: 'timestamptz', nullable: true })
  notBefore!: Date | null;

  /** Rows addressed to the DLQ: why the job was dead-lettered (sent as a message attribute). */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;
}
