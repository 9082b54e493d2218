import { ProcessorModule } from '@app/processor';
import { QueueModule, SqsHealthIndicator } from '@app/queue';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EngineHealthIndicator } from './engine.health-indicator';
import { WorkerHealthController } from './worker-health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), QueueModule, ProcessorModule],
  controllers: [WorkerHealthController],
  providers: [SqsHealthIndicator, EngineHealthIndicator],
})
export class WorkerHealthModule {}
