import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An admin's fair-share override for one user (table `user_limits`): the most jobs that user may
 * have running at once, all types together, instead of FAIR_SHARE_MAX_RUNNING.
 */
@Entity({ name: 'user_limits' })
@Check('chk_user_limits_max_running', 'max_running > 0')
export class UserLimitEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ name: 'max_running', type: 'int' })
  maxRunning!: number;

  /** The admin who set it (the token's subject). */
  @Column({ name: 'updated_by', type: 'varchar', length: 255, nullable: true })
  updatedBy!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
