import type { Message } from '@aws-sdk/client-sqs';
import { Injectable, Logger, type Type } from '@nestjs/common';
import { SqsConsumerEventHandler, SqsMessageHandler } from '@ssut/nestjs-sqs';
import { MAX_RECEIVERS, receiverName } from './consumer-name';
import { JobProcessor } from './job-processor';

/**
 * Binds one SQS receive loop (@ssut/nestjs-sqs over sqs-consumer) to the JobProcessor. The
 * consumer is configured not to delete anything itself: the processor acknowledges after its
 * claim. The 'error' handler is required: without one, a failed ReceiveMessage would kill the
 * process. @ssut/nestjs-sqs finds handlers by consumer name, so each loop gets its own class.
 */
function jobsConsumer(name: string): Type {
  @Injectable()
  class JobsConsumer {
    private readonly logger = new Logger(`JobsConsumer(${name})`);

    constructor(readonly processor: JobProcessor) {}

    @SqsMessageHandler(name, true)
    async handleBatch(messages: Message[]): Promise<Message[]> {
      await this.processor.processMessages(messages);
      return [];
    }

    @SqsConsumerEventHandler(name, 'error')
    onError(error: Error): void {
      if (error.name === 'AbortError') return; // the consumer was stopped mid long-poll
      this.logger.warn(`SQS receive failed: ${error.message}`);
    }

    @SqsConsumerEventHandler(name, 'processing_error')
    onProcessingError(error: Error): void {
      this.logger.error(`processing a received batch failed: ${error.message}`);
    }
  }
  return JobsConsumer;
}

/** One handler class per possible receive loop; only the first WORKER_RECEIVERS get a consumer. */
export const JOBS_CONSUMERS: Type[] = Array.from({ length: MAX_RECEIVERS }, (_, i) =>
  jobsConsumer(receiverName(i)),
);
