import type { AppConfig } from '@app/config';
import { JobsModule, JobSubmissionModule } from '@app/jobs';
import { LambdaOrchestratorModule } from '@app/lambda-orchestrator';
import { MetricsModule } from '@app/metrics';
import { QueueModule, SQS_CLIENT } from '@app/queue';
import { RecoveryModule } from '@app/recovery';
import { TRACEPARENT, tracingOn } from '@app/tracing';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SqsModule } from '@ssut/nestjs-sqs';
import { IntakeGate } from './intake-gate';
import { IntakeModule } from './intake.module';
import { Execution } from './execution';
import { HandlerRegistry } from './handler-registry';
import { JobSinkAdapter } from './handler-services/job-sink.adapter';
import { WorkerHandlerServices } from './handler-services/worker-handler-services';
import { Heartbeat } from './heartbeat';
import { Intake } from './intake';
import { JobProcessor } from './job-processor';
import { OutcomeRecorder } from './outcome-recorder';
import { LANE_RECEIVER, receiverName } from './consumer-name';
import { JOBS_CONSUMERS } from './jobs.consumer';

/**
 * The worker's engine: the SQS consumer, the JobProcessor, the HandlerRegistry and the recovery
 * sweeper. Runs the job types of the app's JobCatalogue (JobCatalogueModule, at the app's root).
 */
@Module({
  imports: [
    JobsModule,
    QueueModule,
    JobSubmissionModule,
    RecoveryModule,
    MetricsModule,
    LambdaOrchestratorModule.register(),
    IntakeModule,
    SqsModule.registerAsync({
      imports: [QueueModule, IntakeModule],
      inject: [SQS_CLIENT, ConfigService, IntakeGate],
      useFactory: (sqs: SQSClient, config: ConfigService<AppConfig, true>, gate: IntakeGate) => {
        const queue = config.get('queue', { infer: true });
        const { receivers } = config.get('worker', { infer: true });
        const loop = (name: string, queueUrl: string, beforeReceive: () => Promise<void>) => ({
          name,
          queueUrl,
          sqs,
          batchSize: 10,
          waitTimeSeconds: queue.waitTimeSeconds,
          shouldDeleteMessages: false,
          // the relay's send span, the claim's parent (JobTrace); asked for only when traced
          ...(tracingOn() ? { messageAttributeNames: [TRACEPARENT] } : {}),
          preReceiveMessageCallback: beforeReceive,
        });
        return {
          consumers: [
            // each waits for free slots and sets its receive's batch size to them (flow control)
            ...Array.from({ length: receivers }, (_, i) =>
              loop(receiverName(i), queue.queueUrl, () => gate.beforeReceive(receiverName(i))),
            ),
            // the lane's loop reserves nothing: its jobs wait for a slot ahead of the others
            ...(queue.priorityQueueUrl
              ? [loop(LANE_RECEIVER, queue.priorityQueueUrl, () => gate.beforeLaneReceive())]
              : []),
          ],
          producers: [],
        };
      },
    }),
  ],
  providers: [
    JobProcessor,
    Intake,
    Execution,
    Heartbeat,
    OutcomeRecorder,
    HandlerRegistry,
    WorkerHandlerServices,
    JobSinkAdapter,
    ...JOBS_CONSUMERS,
  ],
  exports: [JobProcessor],
})
export class ProcessorModule {}
