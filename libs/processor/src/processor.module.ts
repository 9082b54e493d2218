import type { AppConfig } from '@app/config';
import { JobsModule } from '@app/jobs';
import { QueueModule, SQS_CLIENT } from '@app/queue';
import { RecoveryModule } from '@app/recovery';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SqsModule } from '@ssut/nestjs-sqs';
import { JobProcessor } from './job-processor';
import { JobTypesModule } from './job-types.module';
import { receiverName } from './consumer-name';
import { JOBS_CONSUMERS } from './jobs.consumer';

/** The worker's engine: the SQS consumer, the JobProcessor and the recovery sweeper. */
@Module({
  imports: [
    JobsModule,
    QueueModule,
    JobTypesModule,
    RecoveryModule,
    SqsModule.registerAsync({
      imports: [QueueModule],
      inject: [SQS_CLIENT, ConfigService],
      useFactory: (sqs: SQSClient, config: ConfigService<AppConfig, true>) => {
        const queue = config.get('queue', { infer: true });
        const { receivers } = config.get('worker', { infer: true });
        return {
          consumers: Array.from({ length: receivers }, (_, i) => ({
            name: receiverName(i),
            queueUrl: queue.queueUrl,
            sqs,
            batchSize: 10,
            waitTimeSeconds: queue.waitTimeSeconds,
            shouldDeleteMessages: false,
          })),
          producers: [],
        };
      },
    }),
  ],
  providers: [JobProcessor, ...JOBS_CONSUMERS],
  exports: [JobProcessor],
})
export class ProcessorModule {}
