import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The transaction that wrote a row, as a bigint (a function of migration 1764300010000). */
export const CURRENT_TX = () => 'current_tx()';

/**
 * A job's status or progress change (table `job_events`), written by triggers on jobs while an
 * api instance streams events, and kept for a stream's resume window. Read by JobEventsRepository.
 */
@Entity({ name: 'job_events' })
@Index('idx_job_events_tx_time', { synchronize: false })
@Check('chk_job_events_kind', `kind IN ('status', 'progress')`)
export class JobEventEntity {
  @PrimaryColumn({ type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'bigint', default: CURRENT_TX })
  tx!: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ name: 'job_type', type: 'varchar', length: 50 })
  jobType!: string;

  @Column({ type: 'varchar', length: 10 })
  kind!: 'status' | 'progress';

  @Column({ type: 'varchar', length: 20 })
  status!: string;

  @Column({ type: 'int' })
  attempt!: number;

  @Column({ type: 'int' })
  progress!: number;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
