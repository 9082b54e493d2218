import { Module } from '@nestjs/common';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';

/** The Job model. Other modules call JobsService; JobsRepository stays private to this module. */
@Module({
  providers: [JobsRepository, JobsService],
  exports: [JobsService],
})
export class JobsModule {}
