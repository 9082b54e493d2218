import { JobsModule, JobSubmissionModule } from '@app/jobs';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { AuditLog } from './audit-log';
import { JobAdmission } from './job-admission';
import { JobCancellation } from './job-cancellation';
import { JobCreation } from './job-creation';
import { JobListing } from './job-listing';
import { JobsApiService } from './jobs-api.service';
import { JobsController } from './jobs.controller';
import { JobWait } from './job-wait';

/** /api/v1/jobs over the Job model, job submission (validated by the job catalogue) and the queue. */
@Module({
  imports: [JobsModule, QueueModule, JobSubmissionModule, EventsModule],
  controllers: [JobsController],
  providers: [
    JobsApiService,
    JobCreation,
    JobAdmission,
    JobCancellation,
    JobListing,
    JobWait,
    AuditLog,
  ],
  exports: [JobAdmission],
})
export class JobsApiModule {}
