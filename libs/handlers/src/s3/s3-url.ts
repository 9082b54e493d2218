import { IsString, Matches, MaxLength } from 'class-validator';

/** An object's location as payloads and results spell it: `s3://bucket/key`. */
export interface S3Location {
  bucket: string;
  key: string;
}

/** S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting and ending alnum. */
export const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_URL = new RegExp(`^s3://${S3_BUCKET_NAME.source.slice(1, -1)}/.+$`);

/** Splits `s3://bucket/key/with/slashes`; anything else throws an Error that quotes the input. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) throw new Error(`not an S3 URL (want s3://bucket/key): ${JSON.stringify(url)}`);
  const [, bucket, key] = match;
  if (!S3_BUCKET_NAME.test(bucket)) {
    throw new Error(`not a valid S3 bucket name in ${JSON.stringify(url)}: ${bucket}`);
  }
  return { bucket, key };
}

export function formatS3Url({ bucket, key }: S3Location): string {
  return `s3://${bucket}/${key}`;
}

/** class-validator: a string of the form `s3://bucket/key` (what parseS3Url accepts). */
export function IsS3Url(): PropertyDecorator {
  return (target, property) => {
    const message = `${String(property)} must look like s3://bucket/key`;
    IsString()(target, property);
    MaxLength(1100)(target, property);
    Matches(S3_URL, { message })(target, property);
  };
}

/** class-validator: a valid S3 bucket name. */
export function IsS3Bucket(): PropertyDecorator {
  return (target, property) => {
    IsString()(target, property);
    Matches(S3_BUCKET_NAME, { message: `${String(property)} must be a valid S3 bucket name` })(
      target,
      property,
    );
  };
}
