import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One row per running worker process (table `worker_heartbeats`), refreshed with its heartbeat. */
@Entity({ name: 'worker_heartbeats' })
@Index('idx_worker_heartbeats_last_seen', ['lastSeenAt'])
export class WorkerHeartbeatEntity {
  /** hostname:pid:random */
  @PrimaryColumn({ name: 'worker_id', type: 'varchar', length: 255 })
  workerId!: string;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt!: Date;

  /** Jobs the worker held at its last heartbeat. */
  @Column({ name: 'in_flight', type: 'int', default: 0 })
  inFlight!: number;
}
