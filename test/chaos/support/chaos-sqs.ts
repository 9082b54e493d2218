import { decodeJobMessage } from '@app/queue';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  createEmulatorSqsClient,
  createQueuePair,
  type QueuePair,
  type SqsEmulator,
  startSqsEmulator,
} from '../../../tools/dev-services/sqs-emulator';
import { freePort } from './free-port';

/** As infra/lib/job-queue-stack.ts: 900 s of function timeout plus a 120 s margin. */
export const PRODUCTION_VISIBILITY_TIMEOUT_S = 1020;
/** As the production RedrivePolicy. */
export const PRODUCTION_MAX_RECEIVE_COUNT = 5;
const QUEUE_NAME = 'episode-jobs-queue';

/** A message found in the DLQ: its raw body, the job it names (if it is a job message), why. */
export interface DlqEntry {
  body: string;
  jobId: string | undefined;
  attempt: number | undefined;
  reason: string | undefined;
}

/**
 * The SQS emulator (fauxqs) of one chaos scenario, in a process of its own on a fixed loopback
 * port, with the work queue and its DLQ configured as in production. It can refuse connections
 * (`stop`), come back empty with the same queue URLs (`start`), or hang (`freeze`).
 */
export class ChaosSqs {
  private emulator?: SqsEmulator;
  private frozen = false;
  private readonly client: SQSClient;
  /** DLQ messages drained so far (the DLQ is read destructively, like DlqReader). */
  private readonly dead: DlqEntry[] = [];

  private constructor(
    readonly port: number,
    readonly queues: QueuePair,
  ) {
    this.client = createEmulatorSqsClient(this.endpoint, { maxAttempts: 1 });
  }

  static async create(): Promise<ChaosSqs> {
    const port = await freePort();
    const emulator = await startSqsEmulator({ port });
    const queues = await createProductionQueues(emulator.endpoint);
    const sqs = new ChaosSqs(port, queues);
    sqs.emulator = emulator;
    return sqs;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (!this.emulator) throw new Error('chaos SQS is not running');
    return this.emulator.pid;
  }

  /** The emulator's process ends: every connection is refused until `start`. */
  async stop(): Promise<void> {
    this.thaw();
    await this.emulator?.stop();
    this.emulator = undefined;
  }

  /**
   * A new emulator on the same port, empty (fauxqs keeps nothing across restarts): every
   * message in flight is lost. The queues are created again, so their URLs are unchanged.
   */
  async start(): Promise<void> {
    if (this.emulator) return;
    this.emulator = await startSqsEmulator({ port: this.port });
    const queues = await createProductionQueues(this.endpoint);
    if (queues.queueUrl !== this.queues.queueUrl || queues.dlqUrl !== this.queues.dlqUrl)
      throw new Error(`queue URLs changed across a restart: ${JSON.stringify(queues)}`);
  }

  /** SIGSTOP: connections are accepted but never answered. */
  freeze(): void {
    process.kill(this.pid, 'SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    if (this.frozen && this.emulator) process.kill(this.emulator.pid, 'SIGCONT');
    this.frozen = false;
  }

  /** Sends a raw body to the work queue, as a foreign or buggy producer would. */
  async sendRaw(body: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queues.queueUrl, MessageBody: body }),
    );
  }

  /** Messages in the work queue: visible, in flight and delayed, as SQS approximates them. */
  async queueDepth(): Promise<number> {
    const out = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queues.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return Object.values(out.Attributes ?? {}).reduce((n, v) => n + Number(v), 0);
  }

  /** Every message that reached the DLQ so far (drained from it and kept here). */
  async dlqContents(): Promise<DlqEntry[]> {
    for (;;) {
      const out = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queues.dlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) return [...this.dead];
      for (const m of messages) {
        // a message the queue redrove may announce several jobs: one entry each
        for (const job of decodeJobMessage(m.Body) ?? [undefined])
          this.dead.push({
            body: m.Body ?? '',
            jobId: job?.jobId,
            attempt: job?.attempt,
            reason: m.MessageAttributes?.reason?.StringValue,
          });
      }
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queues.dlqUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  async destroy(): Promise<void> {
    this.client.destroy();
    await this.stop();
  }
}

function createProductionQueues(endpoint: string): Promise<QueuePair> {
  return createQueuePair(endpoint, QUEUE_NAME, {
    visibilityTimeout: PRODUCTION_VISIBILITY_TIMEOUT_S,
    maxReceiveCount: PRODUCTION_MAX_RECEIVE_COUNT,
    dlqName: 'episode-jobs-dlq',
  });
}
