import type { AppConfig } from '@app/config';
import { Metrics, MetricsModule } from '@app/metrics';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JobsModule } from '@app/jobs';
import { Outbox } from './outbox';
import { OutboxBacklog } from './outbox-backlog';
import { QueueService } from './queue.service';
import { createSqsClient, SQS_CLIENT } from './sqs-client';
import { countSqsCalls } from './sqs-metrics.middleware';

/**
 * SQS access (QueueService) and the outbox relay (Outbox), which sends the queue_messages rows
 * libs/jobs writes. Used by both apps.
 */
@Module({
  imports: [JobsModule, MetricsModule],
  providers: [
    {
      provide: SQS_CLIENT,
      inject: [ConfigService, Metrics],
      useFactory: (config: ConfigService<AppConfig, true>, metrics: Metrics) => {
        const client = createSqsClient(config.get('queue', { infer: true }));
        countSqsCalls(client, metrics);
        return client;
      },
    },
    QueueService,
    Outbox,
    OutboxBacklog,
  ],
  exports: [SQS_CLIENT, QueueService, Outbox, OutboxBacklog],
})
export class QueueModule {}
