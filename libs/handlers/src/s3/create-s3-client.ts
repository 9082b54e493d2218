import { S3Client } from '@aws-sdk/client-s3';

/** Where the S3 client points: the `storage` config section, or any object of the same shape. */
export interface S3ClientOptions {
  /** An S3-compatible emulator; unset for AWS. */
  endpoint?: string;
  region: string;
  /** `endpoint/bucket/key` addressing, which emulators need. */
  forcePathStyle: boolean;
}

/** The S3 client handlers receive in `services.s3` (worker and Lambda functions alike). */
export function createS3Client(storage: S3ClientOptions): S3Client {
  return new S3Client({
    region: storage.region,
    forcePathStyle: storage.forcePathStyle,
    ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
  });
}
