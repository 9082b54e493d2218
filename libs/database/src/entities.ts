import { EventListenerEntity } from './entities/event-listener.entity';
import { JobDependencyEntity } from './entities/job-dependency.entity';
import { JobEventEntity } from './entities/job-event.entity';
import { JobLogEntity } from './entities/job-log.entity';
import { JobTypeStateEntity } from './entities/job-type-state.entity';
import { JobMetricEntity } from './entities/job-metric.entity';
import { JobEntity } from './entities/job.entity';
import { LambdaExecutionEntity } from './entities/lambda-execution.entity';
import { QueueMessageEntity } from './entities/queue-message.entity';
import { ScheduleEntity } from './entities/schedule.entity';
import { UserLimitEntity } from './entities/user-limit.entity';
import { HeldJobEntity } from './entities/held-job.entity';
import { WorkerHeartbeatEntity } from './entities/worker-heartbeat.entity';

export const ENTITIES = [
  JobEntity,
  QueueMessageEntity,
  JobMetricEntity,
  JobLogEntity,
  WorkerHeartbeatEntity,
  LambdaExecutionEntity,
  JobEventEntity,
  EventListenerEntity,
  ScheduleEntity,
  JobTypeStateEntity,
  UserLimitEntity,
  HeldJobEntity,
  JobDependencyEntity,
];
