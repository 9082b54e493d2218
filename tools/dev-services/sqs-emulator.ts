import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';

const EMULATOR_SCRIPT = path.resolve(__dirname, 'sqs-emulator.mjs');
const REPO_ROOT = path.resolve(__dirname, '../..');
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const MAX_STDERR_CHARS = 8_000;

export interface SqsEmulator {
  /** e.g. http://127.0.0.1:41234 — SQS and S3 (path-style) share it. */
  endpoint: string;
  pid: number;
  /** Kills the emulator and resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface QueuePairOptions {
  /** RedrivePolicy maxReceiveCount. Default 5. */
  maxReceiveCount?: number;
  /** Main queue VisibilityTimeout in seconds. Default 300. */
  visibilityTimeout?: number;
  /** Name of the DLQ. Default `${name}-dlq`. */
  dlqName?: string;
  /** Also create the priority lane `${name}-priority` (SQS_PRIORITY_QUEUE_URL), redriving to the same DLQ. */
  priorityLane?: boolean;
}

export interface QueuePair {
  queueUrl: string;
  dlqUrl: string;
  /** The priority lane, when asked for. */
  priorityQueueUrl?: string;
}

export const EMULATOR_REGION = 'us-east-1';
export const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

export function createEmulatorSqsClient(
  endpoint: string,
  overrides: Partial<SQSClientConfig> = {},
): SQSClient {
  return new SQSClient({
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    endpoint,
    ...overrides,
  });
}

/**
 * Spawns `node tools/dev-services/sqs-emulator.mjs` on an ephemeral loopback port and waits for
 * its ready line. stdin stays a pipe so the emulator exits if this process dies.
 */
/** `port` 0 (the default) picks a free port. */
export function startSqsEmulator(opts: { port?: number } = {}): Promise<SqsEmulator> {
  const child = spawn(process.execPath, [EMULATOR_SCRIPT, '--port', String(opts.port ?? 0)], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
  });
  // A write to a dead child's stdin would otherwise surface as an uncaught EPIPE.
  child.stdin.on('error', () => undefined);

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(killTimer);
      }
      child.stdin.destroy();
      child.stdout.destroy();
      child.stderr.destroy();
    })();
    return stopping;
  };

  return new Promise<SqsEmulator>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    let settled = false;

    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      lines.close();
      void stop().then(() =>
        reject(
          new Error(
            `sqs-emulator ${reason}\n--- emulator stderr ---\n${stderr.trim() || '(empty)'}`,
          ),
        ),
      );
    };

    const timer = setTimeout(
      () => fail(`did not report ready within ${READY_TIMEOUT_MS} ms`),
      READY_TIMEOUT_MS,
    );

    child.once('error', (err) => fail(`failed to spawn: ${err.message}`));
    child.once('exit', (code, signal) =>
      fail(`exited before ready (code ${String(code)}, signal ${String(signal)})`),
    );

    lines.on('line', (line) => {
      if (settled) return;
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      if (!isReadyEvent(event)) return;
      settled = true;
      clearTimeout(timer);
      lines.close();
      // Keep draining stdout so the child can never block on a full pipe.
      child.stdout.resume();
      // A forgotten stop() must not keep jest alive; the emulator exits by itself once
      // this process is gone and its stdin closes.
      child.unref();
      for (const stream of [child.stdin, child.stdout, child.stderr]) unrefStream(stream);
      resolve({ endpoint: event.endpoint, pid: child.pid as number, stop });
    });
  });
}

function unrefStream(stream: Readable | Writable): void {
  // stdio pipes are net.Sockets at runtime, but typed as plain streams.
  (stream as Partial<Pick<Socket, 'unref'>>).unref?.();
}

function isReadyEvent(value: unknown): value is { event: 'ready'; endpoint: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { event?: unknown }).event === 'ready' &&
    typeof (value as { endpoint?: unknown }).endpoint === 'string'
  );
}

/**
 * Creates the DLQ (`${name}-dlq` unless named) and `${name}` (redriving to the DLQ), and with
 * `priorityLane` the lane `${name}-priority` (redriving to the same DLQ, where the operators' tools
 * look), and returns the URLs exactly as CreateQueue returned them: fauxqs looks queues up by the
 * full URL string.
 */
export async function createQueuePair(
  endpoint: string,
  name: string,
  opts: QueuePairOptions = {},
): Promise<QueuePair> {
  const {
    maxReceiveCount = 5,
    visibilityTimeout = 300,
    dlqName = `${name}-dlq`,
    priorityLane = false,
  } = opts;
  const sqs = createEmulatorSqsClient(endpoint);
  try {
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: dlqName,
        Attributes: { MessageRetentionPeriod: '86400' },
      }),
    );
    const dlqUrl = requireUrl(dlq.QueueUrl, dlqName);

    const dlqAttributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const dlqArn = dlqAttributes.Attributes?.QueueArn;
    if (!dlqArn) throw new Error(`GetQueueAttributes returned no QueueArn for ${dlqUrl}`);

    const workQueue = async (queueName: string): Promise<string> => {
      const out = await sqs.send(
        new CreateQueueCommand({
          QueueName: queueName,
          Attributes: {
            VisibilityTimeout: String(visibilityTimeout),
            MessageRetentionPeriod: '86400',
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
          },
        }),
      );
      return requireUrl(out.QueueUrl, queueName);
    };
    const queueUrl = await workQueue(name);
    if (!priorityLane) return { queueUrl, dlqUrl };
    return { queueUrl, dlqUrl, priorityQueueUrl: await workQueue(`${name}-priority`) };
  } finally {
    sqs.destroy();
  }
}

function requireUrl(url: string | undefined, queueName: string): string {
  if (!url) throw new Error(`CreateQueue returned no QueueUrl for ${queueName}`);
  return url;
}
