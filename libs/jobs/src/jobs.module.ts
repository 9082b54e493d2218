import { Module } from '@nestjs/common';
import { JobLogsService } from './job-logs.service';
import { JobStatsService } from './job-stats.service';
import { DeadJobsService } from './dead-jobs.service';
import { JobsBatchService } from './jobs-batch.service';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { WorkerPresence } from './worker-presence.service';

/** What other modules may use; JobsRepository stays private to this module. */
const PUBLIC = [
  JobsService,
  JobsBatchService,
  JobStatsService,
  JobLogsService,
  DeadJobsService,
  WorkerPresence,
];

/**
 * The Job model and the tables it owns (jobs, job_metrics, job_logs, worker_heartbeats). Other
 * modules call JobsService (one job), JobsBatchService (the transitions module, batch-first),
 * the read side (JobStatsService, JobLogsService, DeadJobsService) and WorkerPresence.
 */
@Module({ providers: [JobsRepository, ...PUBLIC], exports: PUBLIC })
export class JobsModule {}
