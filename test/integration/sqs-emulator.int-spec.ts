// Probe of the fauxqs emulator through the real AWS SDK and sqs-consumer: proves the SQS
// behaviour the job queue relies on, and pins the emulator quirks noted in
// .tmp/notes/sqs-emulator.md.
import { TEST_ENV } from '../support/test-env';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import {
  createEmulatorSqsClient,
  createQueuePair,
  type SqsEmulator,
  startSqsEmulator,
} from '../../tools/dev-services/sqs-emulator';

jest.setTimeout(30_000);

const EMULATOR_SCRIPT = path.resolve(__dirname, '../../tools/dev-services/sqs-emulator.mjs');

let emulator: SqsEmulator;
let sqs: SQSClient;
let queueSeq = 0;
const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${++queueSeq}`;

beforeAll(async () => {
  emulator = await startSqsEmulator();
  sqs = createEmulatorSqsClient(emulator.endpoint);
});

afterAll(async () => {
  sqs?.destroy();
  if (!emulator) return;
  await emulator.stop();
  expect(isAlive(emulator.pid)).toBe(false);
  expect(liveEmulatorChildren()).toEqual([]);
});

async function receive(
  queueUrl: string,
  input: Omit<ReceiveMessageCommandInput, 'QueueUrl'> = {},
): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0, ...input }),
  );
  return out.Messages ?? [];
}

async function counts(
  queueUrl: string,
): Promise<{ visible: number; notVisible: number; delayed: number }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const attrs = out.Attributes ?? {};
  return {
    visible: Number(attrs.ApproximateNumberOfMessages),
    notVisible: Number(attrs.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(attrs.ApproximateNumberOfMessagesDelayed),
  };
}

async function sendBodies(queueUrl: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: `m${i + j}`, MessageBody: body })),
      }),
    );
    expect(out.Failed ?? []).toEqual([]);
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** True while the process runs; a zombie (exited, not yet reaped) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return existsSync('/proc/self') ? false : true;
  }
}

/** Linux only: running children of this process whose command line runs the emulator. */
function liveEmulatorChildren(): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // the run's shared emulator (global set-up) is a child too when jest runs in band
      if (Number(ppid) !== process.pid || state === 'Z' || entry === process.env[TEST_ENV.sqsPid])
        continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('sqs-emulator.mjs')) {
        found.push(Number(entry));
      }
    } catch {
      // The process went away while we were reading it.
    }
  }
  return found;
}

describe('fauxqs emulator via @aws-sdk/client-sqs', () => {
  it('reports a loopback endpoint and queue URLs as CreateQueue returns them', async () => {
    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(emulator.endpoint).port;
    const name = uniqueName('urls');
    const { queueUrl, dlqUrl } = await createQueuePair(emulator.endpoint, name);
    // Not resolvable by DNS here: the SDK must send to `endpoint`, and the URL is only an id.
    expect(queueUrl).toBe(`http://sqs.us-east-1.localhost:${port}/000000000000/${name}`);
    expect(dlqUrl).toBe(`http://sqs.us-east-1.localhost:${port}/000000000000/${name}-dlq`);
    // Same name and attributes again: idempotent, same URL.
    await expect(createQueuePair(emulator.endpoint, name)).resolves.toEqual({ queueUrl, dlqUrl });

    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    expect(attrs.Attributes).toMatchObject({
      VisibilityTimeout: '300',
      MessageRetentionPeriod: '86400',
    });
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${name}-dlq`,
      maxReceiveCount: 5,
    });
  });

  it('sends a batch of 10, receives all 10 in one call and deletes them in a batch', async () => {
    const { queueUrl } = await createQueuePair(emulator.endpoint, uniqueName('batch'));
    const bodies = Array.from({ length: 10 }, (_, i) => JSON.stringify({ job: i }));
    await sendBodies(queueUrl, bodies);
    expect(await counts(queueUrl)).toEqual({ visible: 10, notVisible: 0, delayed: 0 });

    const messages = await receive(queueUrl, { MaxNumberOfMessages: 10 });
    expect(messages).toHaveLength(10);
    expect(messages.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    expect(await counts(queueUrl)).toEqual({ visible: 0, notVisible: 10, delayed: 0 });

    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    expect(deleted.Successful).toHaveLength(10);
    expect(deleted.Failed ?? []).toEqual([]);
    expect(await counts(queueUrl)).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
    expect(await receive(queueUrl, { MaxNumberOfMessages: 10 })).toEqual([]);
  });

  it('makes a message visible again with ChangeMessageVisibility 0', async () => {
    const { queueUrl } = await createQueuePair(emulator.endpoint, uniqueName('visibility'));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'again' }));

    const [first] = await receive(queueUrl);
    expect(first?.Body).toBe('again');
    expect(await receive(queueUrl)).toEqual([]); // hidden for the queue's 300 s

    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: first?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const [second] = await receive(queueUrl, {
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('redelivers after the visibility timeout and moves the message to the DLQ after maxReceiveCount', async () => {
    const { queueUrl, dlqUrl } = await createQueuePair(emulator.endpoint, uniqueName('redrive'), {
      maxReceiveCount: 2,
      visibilityTimeout: 1,
    });
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'poison' }),
    );

    const receiveCounts: string[] = [];
    // Never deleted: each receive hides it for 1 s, then it comes back, until the 3rd receive
    // (> maxReceiveCount) moves it to the DLQ instead of returning it.
    for (let attempt = 0; attempt < 3; attempt++) {
      const got = await receive(queueUrl, {
        WaitTimeSeconds: 3,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      });
      if (got.length === 0) break;
      expect(got[0]?.MessageId).toBe(sent.MessageId);
      receiveCounts.push(got[0]?.Attributes?.ApproximateReceiveCount ?? '?');
    }
    expect(receiveCounts).toEqual(['1', '2']);

    expect(await counts(queueUrl)).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
    expect(await counts(dlqUrl)).toEqual({ visible: 1, notVisible: 0, delayed: 0 });
    const [dead] = await receive(dlqUrl, {
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    expect(dead?.MessageId).toBe(sent.MessageId);
    expect(dead?.Body).toBe('poison');
    // The receive count carries over into the DLQ (3 main-queue receives + this one).
    expect(dead?.Attributes?.ApproximateReceiveCount).toBe('4');
  });

  it('reports ApproximateNumberOfMessages, ...NotVisible and ...Delayed', async () => {
    const { queueUrl } = await createQueuePair(emulator.endpoint, uniqueName('counts'));
    await sendBodies(queueUrl, ['a', 'b', 'c']);
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'later', DelaySeconds: 60 }),
    );
    expect(await counts(queueUrl)).toEqual({ visible: 3, notVisible: 0, delayed: 1 });

    const got = await receive(queueUrl, { MaxNumberOfMessages: 2 });
    expect(got).toHaveLength(2);
    expect(await counts(queueUrl)).toEqual({ visible: 1, notVisible: 2, delayed: 1 });
  });

  it('honours per-message DelaySeconds and ends a long poll when the delay elapses', async () => {
    const { queueUrl } = await createQueuePair(emulator.endpoint, uniqueName('delay'));
    const sentAt = Date.now();
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'delayed', DelaySeconds: 1 }),
    );
    expect(await receive(queueUrl)).toEqual([]);

    const got = await receive(queueUrl, { WaitTimeSeconds: 5 });
    const elapsed = Date.now() - sentAt;
    expect(got.map((m) => m.Body)).toEqual(['delayed']);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('returns a long poll early when a message arrives', async () => {
    const { queueUrl } = await createQueuePair(emulator.endpoint, uniqueName('longpoll'));
    const started = Date.now();
    const polling = receive(queueUrl, { WaitTimeSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'wake' }));

    const got = await polling;
    expect(got.map((m) => m.Body)).toEqual(['wake']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not validate receipt handles on delete, but does on ChangeMessageVisibility', async () => {
    const { queueUrl } = await createQueuePair(emulator.endpoint, uniqueName('handles'));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'keep' }));

    // Real SQS answers ReceiptHandleIsInvalid; fauxqs accepts and does nothing.
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'bogus' })),
    ).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: 'bogus',
          VisibilityTimeout: 0,
        }),
      ),
    ).rejects.toMatchObject({ name: 'MessageNotInflight' });

    // A stale handle (from before a redelivery) deletes nothing, as in real SQS.
    const [first] = await receive(queueUrl, { VisibilityTimeout: 0 });
    const [second] = await receive(queueUrl, { VisibilityTimeout: 300 });
    expect(second?.MessageId).toBe(first?.MessageId);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first?.ReceiptHandle }),
    );
    expect(await counts(queueUrl)).toEqual({ visible: 0, notVisible: 1, delayed: 0 });
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: second?.ReceiptHandle }),
    );
    expect(await counts(queueUrl)).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
  });

  it('works with MD5 checksum validation off (md5: false) as well as on', async () => {
    const { queueUrl } = await createQueuePair(emulator.endpoint, uniqueName('md5'));
    const fast = createEmulatorSqsClient(emulator.endpoint, { md5: false });
    try {
      await fast.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'no-md5' }));
      const out = await fast.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
      expect(out.Messages?.map((m) => m.Body)).toEqual(['no-md5']);
    } finally {
      fast.destroy();
    }
  });
});

describe('sqs-consumer against the emulator', () => {
  // stop() returns at once and leaves the current long poll running; wait for it rather than
  // pass { abort: true }, which reports the aborted receive through the 'error' event.
  async function stopConsumer(consumer: Consumer): Promise<void> {
    consumer.stop();
    await waitFor(() => !consumer.status.isPolling, 5_000, 'the last poll to finish');
  }

  it('receives batches of up to 10 with handleMessageBatch and deletes acknowledged messages', async () => {
    const { queueUrl } = await createQueuePair(emulator.endpoint, uniqueName('consumer'));
    const bodies = Array.from({ length: 25 }, (_, i) => `job-${i}`);
    await sendBodies(queueUrl, bodies);

    const batchSizes: number[] = [];
    const handled = new Set<string>();
    const processed = new Set<string>();
    const errors: Error[] = [];
    const consumer = Consumer.create({
      queueUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      handleMessageBatch: (messages) => {
        batchSizes.push(messages.length);
        for (const m of messages) handled.add(m.Body ?? '');
        return Promise.resolve(messages);
      },
    });
    // Without an 'error' listener a receive error would crash the process.
    consumer.on('error', (err) => errors.push(err));
    consumer.on('processing_error', (err) => errors.push(err));
    consumer.on('message_processed', (m) => processed.add(m.Body ?? ''));

    consumer.start();
    try {
      await waitFor(() => processed.size === bodies.length, 10_000, 'all messages processed');
    } finally {
      await stopConsumer(consumer);
    }

    expect(errors).toEqual([]);
    expect([...handled].sort()).toEqual([...bodies].sort());
    expect(Math.max(...batchSizes)).toBe(10);
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(bodies.length);
    expect(await counts(queueUrl)).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
  });

  it('deletes only the messages a batch handler returns', async () => {
    const { queueUrl } = await createQueuePair(emulator.endpoint, uniqueName('partial'));
    await sendBodies(queueUrl, ['ok-1', 'fail-1', 'ok-2', 'fail-2']);

    const processed = new Set<string>();
    const errors: Error[] = [];
    const consumer = Consumer.create({
      queueUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      handleMessageBatch: (messages) =>
        Promise.resolve(messages.filter((m) => m.Body?.startsWith('ok'))),
    });
    consumer.on('error', (err) => errors.push(err));
    consumer.on('processing_error', (err) => errors.push(err));
    consumer.on('message_processed', (m) => processed.add(m.Body ?? ''));

    consumer.start();
    try {
      await waitFor(() => processed.size === 2, 10_000, 'the two ok messages processed');
    } finally {
      await stopConsumer(consumer);
    }

    expect(errors).toEqual([]);
    expect([...processed].sort()).toEqual(['ok-1', 'ok-2']);
    // The two unacknowledged messages stay in flight until their 300 s visibility expires.
    expect(await counts(queueUrl)).toEqual({ visible: 0, notVisible: 2, delayed: 0 });
  });
});

describe('tools/dev-services/sqs-emulator.mjs lifecycle', () => {
  it('exits by itself when the process that spawned it is SIGKILLed', async () => {
    // An intermediate parent starts the emulator with a stdin pipe, reports its pid, then dies hard.
    const launcher = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, [${JSON.stringify(EMULATOR_SCRIPT)}],
        { stdio: ['pipe', 'pipe', 'inherit'] });
      child.stdout.once('data', () => process.stdout.write(String(child.pid) + '\\n'));
    `;
    const parent = spawn(process.execPath, ['-e', launcher], { stdio: ['ignore', 'pipe', 'pipe'] });
    const parentExited = new Promise<void>((resolve) => parent.once('exit', () => resolve()));
    const emulatorPid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('launcher did not report the emulator pid')),
        15_000,
      );
      parent.stdout.once('data', (chunk: Buffer) => {
        clearTimeout(timer);
        resolve(Number(String(chunk).trim()));
      });
    });
    expect(isAlive(emulatorPid)).toBe(true);

    parent.kill('SIGKILL');
    await parentExited;
    await waitFor(() => !isAlive(emulatorPid), 5_000, `orphaned emulator ${emulatorPid} to exit`);
  });
});
