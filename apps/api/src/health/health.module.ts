import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { SqsHealthIndicator } from './sqs.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), QueueModule],
  controllers: [HealthController],
  providers: [SqsHealthIndicator],
})
export class HealthModule {}
