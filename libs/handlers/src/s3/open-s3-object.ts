import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsFailure } from '../owner-error';
import { PermanentJobError } from '../permanent-job-error';
import { formatS3Url, parseS3Url, type S3Location } from './s3-url';

const MISSING = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);

/**
 * Starts reading an object. A missing object or bucket is a PermanentJobError that names it
 * (`<what> s3://bucket/key does not exist (NoSuchKey)`); any other AWS error is reduced to its
 * name (`<what> s3://bucket/key could not be read (AccessDenied)`, see awsFailure), permanent
 * when no retry can fix it.
 */
export async function openS3Object(
  s3: S3Client,
  location: S3Location,
  signal: AbortSignal,
  what = 'object',
): Promise<{ body: Readable; size: number }> {
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
      { abortSignal: signal },
    );
    return { body: object.Body as Readable, size: object.ContentLength ?? 0 };
  } catch (error) {
    const name = (error as Error).name;
    if (MISSING.has(name)) {
      throw new PermanentJobError(`${what} ${formatS3Url(location)} does not exist (${name})`, {
        cause: error,
      });
    }
    throw awsFailure(error, `${what} ${formatS3Url(location)} could not be read`);
  }
}

/** A payload's `s3://bucket/key`; a malformed one is a PermanentJobError (no retry can fix it). */
export function sourceLocation(url: string): S3Location {
  try {
    return parseS3Url(url);
  } catch (error) {
    throw new PermanentJobError((error as Error).message);
  }
}
