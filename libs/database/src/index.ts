export { DatabaseModule } from './database.module';
export { dataSourceOptions } from './data-source-options';
export { ENTITIES } from './entities';
export { MIGRATIONS } from './migrations';
export { JobEntity } from './entities/job.entity';
export { QueueMessageEntity } from './entities/queue-message.entity';
export { JobMetricEntity } from './entities/job-metric.entity';
export { JobLogEntity, type JobLogLevel, type JobLogSource } from './entities/job-log.entity';
export { JobStatus, JOB_STATUSES } from './entities/job-status';
export { queryRows, type SqlStatement } from './query-rows';
export { JobTypeStateEntity } from './entities/job-type-state.entity';
export { UserLimitEntity } from './entities/user-limit.entity';
export { HeldJobEntity } from './entities/held-job.entity';
export { WorkerHeartbeatEntity } from './entities/worker-heartbeat.entity';
export {
  LambdaExecutionEntity,
  type LambdaExecutionStatus,
} from './entities/lambda-execution.entity';
export { isDataError, sqlState } from './sql-errors';
export { ScheduleEntity } from './entities/schedule.entity';
