import { JobsModule } from '@app/jobs';
import { JobTypesModule } from '@app/processor';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { JobsApiService } from './jobs-api.service';
import { JobsController } from './jobs.controller';

/** /api/v1/jobs over the Job model, the job type registry and the queue. */
@Module({
  imports: [JobsModule, QueueModule, JobTypesModule],
  controllers: [JobsController],
  providers: [JobsApiService],
})
export class JobsApiModule {}
