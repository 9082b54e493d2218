import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Where the S3 client points: the `storage` config section, or any object of the same shape. */
export interface S3ClientOptions {
  /** An S3-compatible emulator; unset for AWS. */
  endpoint?: string;
  region: string;
  /** `endpoint/bucket/key` addressing, which emulators need. */
  forcePathStyle: boolean;
  /** Longest connect, in ms (S3_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  /** Longest silence on a request's connection, in ms (S3_SOCKET_TIMEOUT_MS). */
  socketTimeoutMs: number;
}

/**
 * The S3 client handlers receive in `services.s3` (worker and Lambda functions alike). Requests
 * are bounded by silence (`socketTimeout`), not by total time: a multi-gigabyte download that
 * keeps moving is fine, a frozen endpoint is not.
 */
export function createS3Client(storage: S3ClientOptions): S3Client {
  return new S3Client({
    region: storage.region,
    forcePathStyle: storage.forcePathStyle,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: storage.connectTimeoutMs,
      socketTimeout: storage.socketTimeoutMs,
    }),
    ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
  });
}
