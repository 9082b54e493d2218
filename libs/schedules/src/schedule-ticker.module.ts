import { JobSubmissionModule } from '@app/jobs';
import { Module } from '@nestjs/common';
import { ScheduleTicker } from './schedule-ticker';
import { SchedulesModule } from './schedules.module';

/** The worker's side: ScheduleTicker. Needs the app's JobCatalogueModule. */
@Module({
  imports: [JobSubmissionModule, SchedulesModule],
  providers: [ScheduleTicker],
  exports: [ScheduleTicker],
})
export class ScheduleTickerModule {}
