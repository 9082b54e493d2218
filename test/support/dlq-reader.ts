import { decodeJobMessage } from '@app/queue';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createEmulatorSqsClient } from '../../tools/dev-services/sqs-emulator';

export interface DlqMessage {
  jobId: string;
  attempt: number;
  reason: string | undefined;
}

/**
 * Reads a dead-letter queue through the SQS emulator, the way an operator's tool would. Every
 * message it receives is kept (and deleted from the queue), so tests sharing one DLQ can each
 * find their own job's messages.
 */
export class DlqReader {
  private readonly sqs: SQSClient;
  private readonly seen: DlqMessage[] = [];

  constructor(
    endpoint: string,
    private readonly dlqUrl: string,
  ) {
    this.sqs = createEmulatorSqsClient(endpoint);
  }

  /** Messages for `jobId`, waiting up to `timeoutMs` until there are at least `atLeast`. */
  async forJob(jobId: string, atLeast = 1, timeoutMs = 10_000): Promise<DlqMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.receiveAll();
      const mine = this.seen.filter((m) => m.jobId === jobId);
      if (mine.length >= atLeast || Date.now() > deadline) return mine;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Every job message the DLQ has received so far. */
  async all(): Promise<DlqMessage[]> {
    await this.receiveAll();
    return [...this.seen];
  }

  close(): void {
    this.sqs.destroy();
  }

  private async receiveAll(): Promise<void> {
    for (;;) {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.dlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) return;
      for (const m of messages) {
        for (const job of decodeJobMessage(m.Body) ?? [])
          this.seen.push({ ...job, reason: m.MessageAttributes?.reason?.StringValue });
      }
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.dlqUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }
}
