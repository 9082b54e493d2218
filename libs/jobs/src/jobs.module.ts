import { Module } from '@nestjs/common';
import { JobEventsRepository } from './job-events.repository';
import { JobLogsService } from './job-logs.service';
import { JobStatsService } from './job-stats.service';
import { DeadJobsService } from './dead-jobs.service';
import { JobsBatchService } from './jobs-batch.service';
import { JobsRepository } from './jobs.repository';
import { OutboxSignal } from './outbox-signal';
import { QueueMessagesRepository } from './queue-messages.repository';
import { JobsService } from './jobs.service';
import { JobTypeStatesService } from './job-type-states.service';
import { FairSharesService } from './fair-shares.service';
import { WorkerPresence } from './worker-presence.service';

/** What other modules may use; JobsRepository stays private to this module. */
const PUBLIC = [
  JobsService,
  JobsBatchService,
  JobStatsService,
  JobLogsService,
  DeadJobsService,
  WorkerPresence,
  QueueMessagesRepository,
  OutboxSignal,
  JobEventsRepository,
  JobTypeStatesService,
  FairSharesService,
];

/**
 * The Job model and the tables it owns (jobs, queue_messages, job_metrics, job_logs,
 * worker_heartbeats, job_events, job_type_states, user_limits): the only writer of job state and
 * of the outbox (OutboxSignal tells the relay when rows were committed). Other modules call
 * JobsService (one job), JobsBatchService (the transitions module, batch-first), the read side
 * (JobStatsService, JobLogsService, DeadJobsService), WorkerPresence, JobTypeStatesService
 * (pause and resume per type) and FairSharesService (caps on each user's running jobs).
 */
@Module({ providers: [JobsRepository, ...PUBLIC], exports: PUBLIC })
export class JobsModule {}
