import type { Message } from '@aws-sdk/client-sqs';
import { Injectable, Logger, type Type } from '@nestjs/common';
import { SqsConsumerEventHandler, SqsMessageHandler } from '@ssut/nestjs-sqs';
import { LANE_RECEIVER, MAX_RECEIVERS, receiverName } from './consumer-name';
import { IntakeGate } from './intake-gate';
import { JobProcessor } from './job-processor';

/**
 * Binds one SQS receive loop (@ssut/nestjs-sqs over sqs-consumer) to the JobProcessor. The
 * consumer deletes nothing itself: the processor acknowledges after its claim. Before each
 * receive the IntakeGate sizes the batch to the free slots (see processor.module.ts). The
 * 'error' handler is required (without one a failed ReceiveMessage kills the process) and
 * makes the gate back off. @ssut/nestjs-sqs finds handlers by consumer name, so each loop gets
 * its own class.
 */
function jobsConsumer(name: string): Type {
  @Injectable()
  class JobsConsumer {
    private readonly logger = new Logger(`JobsConsumer(${name})`);
    private failures = 0;

    constructor(
      readonly processor: JobProcessor,
      private readonly gate: IntakeGate,
    ) {}

    @SqsMessageHandler(name, true)
    async handleBatch(messages: Message[]): Promise<Message[]> {
      await this.processor.processMessages(name, messages);
      return [];
    }

    @SqsConsumerEventHandler(name, 'error')
    onError(error: Error): void {
      if (error.name === 'AbortError' || this.gate.isClosed) return; // stopping
      this.gate.receiveFailed();
      // one line per doubling, not one per try: a refused endpoint must not flood the log
      if ((++this.failures & (this.failures - 1)) === 0)
        this.logger.warn(`SQS receive failed (${this.failures} in a row): ${error.message}`);
    }

    @SqsConsumerEventHandler(name, 'response_processed')
    @SqsConsumerEventHandler(name, 'empty')
    onReceived(): void {
      this.failures = 0;
      this.gate.receiveSucceeded();
    }

    @SqsConsumerEventHandler(name, 'processing_error')
    onProcessingError(error: Error): void {
      this.logger.error(`processing a received batch failed: ${error.message}`);
    }
  }
  return JobsConsumer;
}

/**
 * One handler class per possible receive loop; only the first WORKER_RECEIVERS get a consumer,
 * and the lane's loop only when SQS_PRIORITY_QUEUE_URL is set.
 */
export const JOBS_CONSUMERS: Type[] = [
  ...Array.from({ length: MAX_RECEIVERS }, (_, i) => jobsConsumer(receiverName(i))),
  jobsConsumer(LANE_RECEIVER),
];
