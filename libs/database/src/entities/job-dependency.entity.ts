import { Check, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { JobEntity } from './job.entity';

/**
 * An edge of the dependency graph (table `job_dependencies`): job `jobId` starts only once job
 * `dependsOnId` completed. Written with the dependent job, in the same transaction; read by the
 * transitions that complete or end a dependency (libs/jobs, sql/dependency-sql.ts).
 */
@Entity({ name: 'job_dependencies' })
@Index('idx_job_dependencies_depends_on', ['dependsOnId'])
@Check('chk_job_dependencies_not_self', 'job_id <> depends_on_id')
export class JobDependencyEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid', primaryKeyConstraintName: 'pk_job_dependencies' })
  jobId!: string;

  @PrimaryColumn({
    name: 'depends_on_id',
    type: 'uuid',
    primaryKeyConstraintName: 'pk_job_dependencies',
  })
  dependsOnId!: string;

  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_job_dependencies_job' })
  job?: JobEntity;

  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'depends_on_id', foreignKeyConstraintName: 'fk_job_dependencies_depends_on' })
  dependsOn?: JobEntity;
}
