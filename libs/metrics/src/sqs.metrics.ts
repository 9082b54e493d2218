import { Counter, type Registry } from 'prom-client';

/**
 * Calls to SQS by operation (the SDK command without "Command": ReceiveMessage,
 * SendMessageBatch, DeleteMessageBatch, ...), counted once per call whatever the SDK's own
 * retries; `errors` are calls that threw, `batch_entry_failures` entries a batch call refused.
 */
export function sqsMetrics(registers: Registry[]) {
  const counter = (name: string, help: string) =>
    new Counter({ name: `jobqueue_sqs_${name}_total`, help, labelNames: ['operation'], registers });
  return {
    requests: counter('requests', 'SQS calls made.'),
    errors: counter('request_errors', 'SQS calls that failed (after the SDK retries).'),
    batchEntryFailures: counter(
      'batch_entry_failures',
      'Entries of a batch call that SQS refused while the call itself succeeded.',
    ),
  };
}

export type SqsMetrics = ReturnType<typeof sqsMetrics>;
