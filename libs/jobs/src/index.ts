export { JobsModule } from './jobs.module';
export { JobCatalogueModule } from './job-catalogue.module';
export { JobSubmissionModule } from './job-submission.module';
export {
  JobSubmissionService,
  type JobRequest,
  type SubmitOptions,
} from './job-submission.service';
export {
  MAX_DEPENDENCIES,
  resolveDependencies,
  type DependencyDeclaration,
  type DependencyProblem,
  type ResolvedDependencies,
} from './job-dependency-graph';
export type { Submitted } from './submitted';
export {
  WorkerPresence,
  type WorkerPresenceSummary,
  type WorkerRow,
} from './worker-presence.service';
export { JobsService } from './jobs.service';
export {
  JobTypeStatesService,
  RATE_INTERVAL_MAX_SECONDS,
  RATE_LIMIT_MAX,
  type PausedType,
  type RateLimit,
} from './job-type-states.service';
export {
  type FairShares,
  FairSharesService,
  type HoldingUser,
  type TypeShare,
  type UserShare,
} from './fair-shares.service';
export { OutboxSignal } from './outbox-signal';
export {
  OUTBOX_ROW_DUE,
  QueueMessagesRepository,
  SEND_AHEAD_SECONDS,
  type ConsumedMessage,
  type DeadLetterEntry,
  type RelayOutcome,
  type UnsentMessage,
} from './queue-messages.repository';
export {
  DLQ_LOG_PREFIX,
  JobsBatchService,
  type AttemptRef,
  type Beat,
  type Claim,
  type Completion,
  type Failure,
  type StalledJob,
  type LogLine,
} from './jobs-batch.service';
export { JobStatsService, type JobCounts, type ThroughputPoint } from './job-stats.service';
export { JobLogsService, MAX_LOG_LINES, type JobLogEntry } from './job-logs.service';
export { estimateCompletion } from './estimated-completion';
export { DomainError } from './domain-error';
export {
  DependencyEndedError,
  DependencyNotFoundError,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  InvalidPayloadError,
  JobNotFoundError,
  JobTypeNotFoundError,
  QuotaExceededError,
  RetriesExhaustedError,
  StaleAttemptError,
  UnknownJobTypeError,
} from './job.errors';
export {
  ALLOWED_FROM,
  TRANSITIONS,
  canTransition,
  isFinal,
  type TransitionName,
} from './job-state-machine';
export {
  JOB_SORTS,
  MAX_DEPENDENTS_SHOWN,
  type CreateJobInput,
  type FailureOutcome,
  type Job,
  type JobDependencies,
  type JobDependencyRef,
  type JobKeyset,
  type JobListPage,
  type JobSort,
  type ListJobsFilter,
  type Page,
} from './job.types';
export { DeadJobsService, type DeadJobSelector } from './dead-jobs.service';
export { listJobsSql } from './job-list-query';
export {
  JobEventsRepository,
  type Announced,
  type EventScope,
  type JobEventRecord,
  type JobLogRecord,
  type StreamPosition,
} from './job-events.repository';
export { MAX_PRIORITY, MIN_PRIORITY } from './sql/job-lane';
