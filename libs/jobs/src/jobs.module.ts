import { Module } from '@nestjs/common';
import { JobLogsService } from './job-logs.service';
import { JobStatsService } from './job-stats.service';
import { DeadJobsService } from './dead-jobs.service';
import { JobsBatchService } from './jobs-batch.service';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { WorkerPresence } from './worker-presence.service';

/**
 * The Job model and the tables it owns (jobs, job_metrics, job_logs, worker_heartbeats). Other
 * modules call JobsService (one job), JobsBatchService (the worker's batched hot path), the read
 * side (JobStatsService, JobLogsService) and WorkerPresence; JobsRepository stays private to this
 * module.
 */
@Module({
  providers: [
    JobsRepository,
    JobsService,
    JobsBatchService,
    JobStatsService,
    JobLogsService,
    DeadJobsService,
    WorkerPresence,
  ],
  exports: [
    JobsService,
    JobsBatchService,
    JobStatsService,
    JobLogsService,
    DeadJobsService,
    WorkerPresence,
  ],
})
export class JobsModule {}
