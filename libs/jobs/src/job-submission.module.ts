import { MetricsModule } from '@app/metrics';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { JobSubmissionService } from './job-submission.service';

/** JobSubmissionService: how jobs enter the system. Needs the app's JobCatalogueModule. */
@Module({
  imports: [QueueModule, MetricsModule],
  providers: [JobSubmissionService],
  exports: [JobSubmissionService],
})
export class JobSubmissionModule {}
