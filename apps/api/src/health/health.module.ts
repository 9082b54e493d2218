import { JobsModule } from '@app/jobs';
import { QueueModule, SqsHealthIndicator } from '@app/queue';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { WorkersHealthIndicator } from './workers.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), QueueModule, JobsModule],
  controllers: [HealthController],
  providers: [SqsHealthIndicator, WorkersHealthIndicator],
})
export class HealthModule {}
