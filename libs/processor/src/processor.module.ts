import type { AppConfig } from '@app/config';
import { JobsModule } from '@app/jobs';
import { QueueModule, SQS_CLIENT } from '@app/queue';
import { RecoveryModule } from '@app/recovery';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SqsModule } from '@ssut/nestjs-sqs';
import { IntakeGate } from './intake-gate';
import { IntakeModule } from './intake.module';
import { Execution } from './execution';
import { Heartbeat } from './heartbeat';
import { Intake } from './intake';
import { JobProcessor } from './job-processor';
import { OutcomeRecorder } from './outcome-recorder';
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
    IntakeModule,
    SqsModule.registerAsync({
      imports: [QueueModule, IntakeModule],
      inject: [SQS_CLIENT, ConfigService, IntakeGate],
      useFactory: (sqs: SQSClient, config: ConfigService<AppConfig, true>, gate: IntakeGate) => {
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
            // waits for free slots and sets this receive's batch size to them (flow control)
            preReceiveMessageCallback: () => gate.beforeReceive(receiverName(i)),
          })),
          producers: [],
        };
      },
    }),
  ],
  providers: [JobProcessor, Intake, Execution, Heartbeat, OutcomeRecorder, ...JOBS_CONSUMERS],
  exports: [JobProcessor],
})
export class ProcessorModule {}
