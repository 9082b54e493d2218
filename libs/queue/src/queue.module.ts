import type { AppConfig } from '@app/config';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JobsModule } from '@app/jobs';
import { Outbox } from './outbox';
import { QueueService } from './queue.service';
import { createSqsClient, SQS_CLIENT } from './sqs-client';

/**
 * SQS access (QueueService) and the outbox relay (Outbox), which sends the queue_messages rows
 * libs/jobs writes. Used by both apps.
 */
@Module({
  imports: [JobsModule],
  providers: [
    {
      provide: SQS_CLIENT,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        createSqsClient(config.get('queue', { infer: true })),
    },
    QueueService,
    Outbox,
  ],
  exports: [SQS_CLIENT, QueueService, Outbox],
})
export class QueueModule {}
