import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Metrics } from '@app/metrics';

/**
 * Counts every call made through `client`, whoever makes it (QueueService, the outbox relay,
 * sqs-consumer's receive loops, health checks), by operation. Added at the `initialize` step,
 * outside the SDK's retry middleware: one call is counted once, however often the SDK tried.
 */
export function countSqsCalls(client: SQSClient, metrics: Metrics): void {
  const { requests, errors, batchEntryFailures } = metrics.sqs;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      requests.inc({ operation });
      try {
        const result = await next(args);
        const failed = (result.output as { Failed?: unknown[] }).Failed?.length;
        if (failed) batchEntryFailures.inc({ operation }, failed);
        return result;
      } catch (error) {
        errors.inc({ operation });
        throw error;
      }
    },
    { step: 'initialize', name: 'jobqueueMetrics' },
  );
}
