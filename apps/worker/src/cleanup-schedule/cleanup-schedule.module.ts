import { JobsModule } from '@app/jobs';
import { JobTypesModule } from '@app/processor';
import { Module } from '@nestjs/common';
import { CleanupSchedule } from './cleanup-schedule.service';

/** The worker's timetable: submits cleanup-jobs on CLEANUP_CRON (see CleanupSchedule). */
@Module({
  imports: [JobsModule, JobTypesModule],
  providers: [CleanupSchedule],
  exports: [CleanupSchedule],
})
export class CleanupScheduleModule {}
