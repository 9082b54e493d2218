import type { AppConfig } from '@app/config';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Outbox } from './outbox';
import { OutboxRepository } from './outbox.repository';
import { QueueService } from './queue.service';
import { createSqsClient, SQS_CLIENT } from './sqs-client';

/** SQS access (QueueService) and the transactional outbox. Used by both apps. */
@Module({
  providers: [
    {
      provide: SQS_CLIENT,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        createSqsClient(config.get('queue', { infer: true })),
    },
    QueueService,
    OutboxRepository,
    Outbox,
  ],
  exports: [SQS_CLIENT, QueueService, Outbox],
})
export class QueueModule {}
