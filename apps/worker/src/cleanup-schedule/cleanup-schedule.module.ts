import { JobSubmissionModule } from '@app/jobs';
import { Module } from '@nestjs/common';
import { CleanupSchedule } from './cleanup-schedule.service';

/** The worker's timetable: submits cleanup-jobs on CLEANUP_CRON (see CleanupSchedule). */
@Module({
  imports: [JobSubmissionModule],
  providers: [CleanupSchedule],
  exports: [CleanupSchedule],
})
export class CleanupScheduleModule {}
