export { QueueModule } from './queue.module';
export {
  QueueService,
  chunk,
  SQS_BATCH_LIMIT,
  type OutgoingMessage,
  type SendResult,
} from './queue.service';
export { Outbox } from './outbox';
export { OutboxBacklog } from './outbox-backlog';
export { SQS_CLIENT, createSqsClient } from './sqs-client';
export {
  decodeJobMessage,
  encodeJobMessage,
  MAX_JOBS_PER_MESSAGE,
  type JobMessage,
} from './job-message';
export type { QueueDepth, QueueStats } from './queue-stats';
export { SqsHealthIndicator } from './sqs.health-indicator';
