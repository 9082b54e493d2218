import { JobsModule } from '@app/jobs';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { AdminHealthController } from './admin-health.controller';
import { AdminWorkersController } from './admin-workers.controller';
import { HealthController } from './health.controller';
import { Readiness } from './readiness.service';

@Module({
  imports: [QueueModule, JobsModule],
  controllers: [HealthController, AdminHealthController, AdminWorkersController],
  providers: [Readiness],
})
export class HealthModule {}
