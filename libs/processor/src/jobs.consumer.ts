import type { Message } from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { SqsConsumerEventHandler, SqsMessageHandler } from '@ssut/nestjs-sqs';
import { JOBS_CONSUMER } from './consumer-name';
import { JobProcessor } from './job-processor';

/**
 * Binds the SQS consumer (@ssut/nestjs-sqs over sqs-consumer) to the JobProcessor. The consumer
 * is configured not to delete anything itself: the processor acknowledges after its claim.
 * The 'error' handler is required: without one, a failed ReceiveMessage would kill the process.
 */
@Injectable()
export class JobsConsumer {
  private readonly logger = new Logger(JobsConsumer.name);

  constructor(private readonly processor: JobProcessor) {}

  @SqsMessageHandler(JOBS_CONSUMER, true)
  async handleBatch(messages: Message[]): Promise<Message[]> {
    await this.processor.processMessages(messages);
    return [];
  }

  @SqsConsumerEventHandler(JOBS_CONSUMER, 'error')
  onError(error: Error): void {
    if (error.name === 'AbortError') return; // the consumer was stopped mid long-poll
    this.logger.warn(`SQS receive failed: ${error.message}`);
  }

  @SqsConsumerEventHandler(JOBS_CONSUMER, 'processing_error')
  onProcessingError(error: Error): void {
    this.logger.error(`processing a received batch failed: ${error.message}`);
  }
}
