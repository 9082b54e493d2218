import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { AppConfig } from '@app/config';
import { TRACEPARENT } from '@app/tracing';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { decodeJobMessage, encodeJobMessage, type JobMessage } from './job-message';
import type { QueueDepth, QueueStats } from './queue-stats';
import { SQS_CLIENT } from './sqs-client';

/** SQS accepts at most 10 entries per batch call. */
export const SQS_BATCH_LIMIT = 10;

/** One message for sendMessages: the jobs it announces, where it goes and how. */
export interface OutgoingMessage {
  queueUrl: string;
  /** The jobs the message announces (1 to MAX_JOBS_PER_MESSAGE). */
  jobs: JobMessage[];
  /** SQS DelaySeconds (0-900); 0 or unset: visible at once. */
  delaySeconds?: number;
  /** Why the job was dead-lettered; sent as the `reason` String attribute (DLQ messages). */
  reason?: string;
  /** The relay's send span (W3C), sent as the `traceparent` String attribute; see traceSends. */
  traceParent?: string;
}

export interface SendResult<T> {
  sent: { item: T; messageId: string }[];
  failed: { item: T; error: string }[];
}

/**
 * The specification's QueueService over SQS. Every call carries up to 10 messages: the AWS SDK
 * costs about 0.5 ms of CPU per call here, so batching is what lets one core move thousands of
 * jobs a second. Messages carry job ids only (see job-message.ts).
 */
@Injectable()
export class QueueService {
  private readonly logger = new Logger(QueueService.name);
  readonly queueUrl: string;
  /** The priority lane (SQS_PRIORITY_QUEUE_URL); null: none. */
  readonly priorityQueueUrl: string | null;
  readonly dlqUrl: string;

  constructor(
    @Inject(SQS_CLIENT) private readonly sqs: SQSClient,
    config: ConfigService<AppConfig, true>,
  ) {
    const queue = config.get('queue', { infer: true });
    this.queueUrl = queue.queueUrl;
    this.priorityQueueUrl = queue.priorityQueueUrl;
    this.dlqUrl = queue.dlqUrl;
  }

  /** Sends one job's message now. The pipeline uses the outbox; this is the single-job form. */
  async sendJob(message: JobMessage): Promise<string> {
    const out = await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: encodeJobMessage([message]) }),
    );
    return out.MessageId ?? '';
  }

  /**
   * Sends many job messages to the work queue, 10 per SendMessageBatch, the chunks in parallel.
   * Per-entry failures are returned, not thrown (see sendMessages).
   */
  sendJobs<T>(items: readonly T[], toMessage: (item: T) => JobMessage): Promise<SendResult<T>> {
    return this.sendMessages(items, (item) => ({
      queueUrl: this.queueUrl,
      jobs: [toMessage(item)],
    }));
  }

  /**
   * Sends job messages each to its own queue, with its own delay and DLQ reason: one
   * SendMessageBatch per queue URL and 10 entries, all calls in parallel. Per-entry failures are
   * returned, not thrown, so the caller can keep them for a later try; a call that failed as a
   * whole counts each of its entries as failed.
   */
  async sendMessages<T>(
    items: readonly T[],
    toOutgoing: (item: T) => OutgoingMessage,
  ): Promise<SendResult<T>> {
    const result: SendResult<T> = { sent: [], failed: [] };
    const byQueue = new Map<string, { item: T; out: OutgoingMessage }[]>();
    for (const item of items) {
      const out = toOutgoing(item);
      const group = byQueue.get(out.queueUrl) ?? [];
      group.push({ item, out });
      byQueue.set(out.queueUrl, group);
    }
    const calls = [...byQueue].flatMap(([queueUrl, group]) =>
      chunk(group, SQS_BATCH_LIMIT).map((batch) => ({ queueUrl, batch })),
    );
    await Promise.all(
      calls.map(async ({ queueUrl, batch }) => {
        try {
          const out = await this.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: batch.map(({ out: m }, i) => ({
                Id: String(i),
                MessageBody: encodeJobMessage(m.jobs),
                ...(m.delaySeconds ? { DelaySeconds: m.delaySeconds } : {}),
                ...messageAttributes(m),
              })),
            }),
          );
          for (const ok of out.Successful ?? [])
            result.sent.push({ item: batch[Number(ok.Id)].item, messageId: ok.MessageId ?? '' });
          for (const bad of out.Failed ?? []) {
            result.failed.push({
              item: batch[Number(bad.Id)].item,
              error: `${bad.Code ?? 'Error'}: ${bad.Message ?? ''}`,
            });
          }
        } catch (error) {
          for (const { item } of batch) result.failed.push({ item, error: describe(error) });
        }
      }),
    );
    return result;
  }

  /** The relay's send span a received message names (its `traceparent` attribute), if any. */
  traceParentOf(message: Message): string | undefined {
    return message.MessageAttributes?.[TRACEPARENT]?.StringValue;
  }

  /** Reads a received message: the jobs it announces, or undefined for a poison message. */
  processJob(message: Message): JobMessage[] | undefined {
    return decodeJobMessage(message.Body);
  }

  /**
   * Acknowledges messages (DeleteMessageBatch, 10 per call) and returns those SQS deleted.
   * Failures are logged: SQS redelivers them.
   */
  async deleteMessages(messages: readonly Message[], queueUrl = this.queueUrl): Promise<Message[]> {
    const deleted = await Promise.all(
      chunk(messages, SQS_BATCH_LIMIT).map(async (batch) => {
        try {
          const out = await this.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
          if (out.Failed?.length)
            this.logger.warn(
              `${out.Failed.length} message deletes failed; SQS will redeliver them`,
            );
          const failed = new Set((out.Failed ?? []).map((f) => f.Id));
          return batch.filter((_, i) => !failed.has(String(i)));
        } catch (error) {
          this.logger.warn(
            `DeleteMessageBatch failed (${describe(error)}); SQS will redeliver ${batch.length} messages`,
          );
          return [];
        }
      }),
    );
    return deleted.flat();
  }

  /** Makes received messages visible again after `delaySeconds` (0: at once). */
  async releaseMessages(
    messages: readonly Message[],
    delaySeconds = 0,
    queueUrl = this.queueUrl,
  ): Promise<void> {
    await Promise.all(
      chunk(messages, SQS_BATCH_LIMIT).map((batch) =>
        this.sqs
          .send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: batch.map((m, i) => ({
                Id: String(i),
                ReceiptHandle: m.ReceiptHandle,
                VisibilityTimeout: delaySeconds,
              })),
            }),
          )
          .catch((error: unknown) =>
            this.logger.warn(`ChangeMessageVisibilityBatch failed: ${describe(error)}`),
          ),
      ),
    );
  }

  /**
   * A message this service cannot act on (a poison message): copied to the DLQ with the reason,
   * then deleted from the queue it came from (`queueUrl`) so it cannot block it.
   */
  async handleError(message: Message, reason: string, queueUrl = this.queueUrl): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.dlqUrl,
        MessageBody: message.Body ?? '',
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
      }),
    );
    await this.deleteMessages([message], queueUrl);
  }

  /**
   * Records a job that failed for good in the DLQ, with the reason as a message attribute, so
   * operators see it where SQS users look and can re-drive it.
   */
  async deadLetter(message: JobMessage, reason: string): Promise<string> {
    const out = await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.dlqUrl,
        MessageBody: encodeJobMessage([message]),
        MessageAttributes: reasonAttribute(reason),
      }),
    );
    return out.MessageId ?? '';
  }

  /**
   * Deletes from the DLQ the messages of re-driven jobs (`jobIds`; all job messages when null).
   * SQS cannot address a message by id, so this reads the DLQ (at most `maxReceives` batches),
   * deletes the matches and makes the others visible again. Returns how many it deleted.
   */
  async removeDeadLetters(jobIds: ReadonlySet<string> | null, maxReceives = 50): Promise<number> {
    const keep: Message[] = [];
    let removed = 0;
    for (let i = 0; i < maxReceives; i++) {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.dlqUrl,
          MaxNumberOfMessages: SQS_BATCH_LIMIT,
          VisibilityTimeout: 30,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      const matches = messages.filter((m) => {
        const jobs = decodeJobMessage(m.Body);
        return jobs !== undefined && (jobIds === null || jobs.some((j) => jobIds.has(j.jobId)));
      });
      keep.push(...messages.filter((m) => !matches.includes(m)));
      await this.deleteMessages(matches, this.dlqUrl);
      removed += matches.length;
    }
    await this.releaseMessages(keep, 0, this.dlqUrl);
    return removed;
  }

  /** Depth of the work queue, the DLQ and the priority lane (if any), as SQS approximates it. */
  async getQueueStats(): Promise<QueueStats> {
    const lane = this.priorityQueueUrl;
    const [queue, deadLetter, priorityLane] = await Promise.all([
      this.depth(this.queueUrl),
      this.depth(this.dlqUrl),
      lane === null ? undefined : this.depth(lane),
    ]);
    return priorityLane ? { queue, deadLetter, priorityLane } : { queue, deadLetter };
  }

  private async depth(queueUrl: string): Promise<QueueDepth> {
    const out = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const a = out.Attributes ?? {};
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A message's attributes: none for most. Readers ignore attributes they do not know, so a worker
 * of an earlier release reads a traced message as any other.
 */
function messageAttributes(
  m: OutgoingMessage,
): Pick<SendMessageBatchRequestEntry, 'MessageAttributes'> {
  if (m.reason === undefined && m.traceParent === undefined) return {};
  return {
    MessageAttributes: {
      ...(m.reason !== undefined ? reasonAttribute(m.reason) : {}),
      ...(m.traceParent !== undefined
        ? { [TRACEPARENT]: { DataType: 'String', StringValue: m.traceParent } }
        : {}),
    },
  };
}

/** The DLQ's `reason` attribute: at most 1000 characters, never empty (SQS refuses that). */
function reasonAttribute(reason: string) {
  return { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) || 'failed' } };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
