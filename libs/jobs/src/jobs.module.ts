import { Module } from '@nestjs/common';
import { JobsBatchService } from './jobs-batch.service';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';

/**
 * The Job model and the tables it owns (jobs, job_metrics, job_logs). Other modules call
 * JobsService (one job) and JobsBatchService (the worker's batched hot path); JobsRepository
 * stays private to this module.
 */
@Module({
  providers: [JobsRepository, JobsService, JobsBatchService],
  exports: [JobsService, JobsBatchService],
})
export class JobsModule {}
