import { PermanentJobError } from './permanent-job-error';

/** AWS error names that no retry can fix: the object, bucket or permission is missing. */
const PERMANENT_AWS_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AllAccessDisabled',
  'Forbidden',
  'InvalidAccessKeyId',
  'InvalidObjectState',
  'NoSuchBucket',
  'NoSuchKey',
  'NotFound',
]);

/** An ARN anywhere in a text (`arn:aws:sts::123456789012:assumed-role/…`). */
const ARN = /\barn:aws[a-z-]*:[^\s"'`,;()]*/g;

/**
 * True for an error the AWS SDK raised: a service answer (it carries `$metadata`) or a failed
 * request (a network error on the way to AWS). Their messages name ARNs, account ids, roles,
 * hosts and endpoints, which a job's owner must not see.
 */
export function isAwsError(error: unknown): error is Error & { $metadata?: unknown } {
  return error instanceof Error && ('$metadata' in error || '$fault' in error);
}

/**
 * The error a handler throws when an AWS call on `what` fails: a stable message naming only the
 * AWS error's name (`the source video could not be read (AccessDenied)`), permanent when no retry
 * can fix it, with the original as `cause` for the worker's log. Anything else passes unchanged.
 */
export function awsFailure(error: unknown, what: string): unknown {
  if (!isAwsError(error)) return error;
  const message = `${what} (${error.name})`;
  return PERMANENT_AWS_ERRORS.has(error.name)
    ? new PermanentJobError(message, { cause: error })
    : Object.assign(new Error(message, { cause: error }), { name: 'AwsRequestError' });
}

/**
 * What a job's owner reads in `error_message` for a failed attempt: the error's own message,
 * except that an AWS SDK error is reduced to its name and any ARN left in a message (from
 * Lambda, or a library) is masked. The full text goes to the worker's log (`errorDetail`).
 */
export function ownerErrorMessage(error: unknown): string {
  if (isAwsError(error)) return `an AWS request failed (${error.name})`;
  const message = error instanceof Error ? error.message || error.name : String(error);
  return message.replace(ARN, 'arn:…');
}

/**
 * The full story of an error, for the process log only: its message, then each cause's with its
 * name. Equal to ownerErrorMessage when that left nothing out.
 */
export function errorDetail(error: unknown): string {
  const own = error instanceof Error ? error.message || error.name : String(error);
  const parts = [own];
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    parts.push(cause instanceof Error ? `${cause.name}: ${cause.message}` : JSON.stringify(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return parts.join(' <- caused by ');
}
