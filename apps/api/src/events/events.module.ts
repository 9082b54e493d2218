import { JobsModule } from '@app/jobs';
import { MetricsModule } from '@app/metrics';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { JobEventsController } from './job-events.controller';
import { JobEventsHub } from './job-events.hub';

/**
 * Live job events: GET /api/v1/jobs/events, /jobs/:id/events and the stream token; the hub is
 * also what GET /jobs/:id?waitSeconds waits on.
 */
@Module({
  imports: [JobsModule, AuthModule, MetricsModule],
  controllers: [JobEventsController],
  providers: [JobEventsHub],
  exports: [JobEventsHub],
})
export class EventsModule {}
