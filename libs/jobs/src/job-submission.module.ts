import { MetricsModule } from '@app/metrics';
import { Module } from '@nestjs/common';
import { JobSubmissionService } from './job-submission.service';
import { JobsModule } from './jobs.module';

/** JobSubmissionService: how jobs enter the system. Needs the app's JobCatalogueModule. */
@Module({
  imports: [JobsModule, MetricsModule],
  providers: [JobSubmissionService],
  exports: [JobSubmissionService],
})
export class JobSubmissionModule {}
