import { QueueModule, SqsHealthIndicator } from '@app/queue';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { WorkerHealthController } from './worker-health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), QueueModule],
  controllers: [WorkerHealthController],
  providers: [SqsHealthIndicator],
})
export class WorkerHealthModule {}
