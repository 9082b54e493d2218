import { JobSubmissionModule } from '@app/jobs';
import { SchedulesModule } from '@app/schedules';
import { Module } from '@nestjs/common';
import { JobsApiModule } from '../jobs/jobs-api.module';
import { SchedulesApiService } from './schedules-api.service';
import { SchedulesController } from './schedules.controller';

/** /api/v1/schedules over the schedules table, validated by the job catalogue like POST /jobs. */
@Module({
  imports: [SchedulesModule, JobSubmissionModule, JobsApiModule],
  controllers: [SchedulesController],
  providers: [SchedulesApiService],
})
export class SchedulesApiModule {}
