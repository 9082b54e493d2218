import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An api instance that streams job events (table `event_listeners`): while a row has not
 * expired, the triggers on jobs and job_logs record and announce changes.
 */
@Entity({ name: 'event_listeners' })
export class EventListenerEntity {
  @PrimaryColumn({ name: 'instance_id', type: 'varchar', length: 100 })
  instanceId!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
