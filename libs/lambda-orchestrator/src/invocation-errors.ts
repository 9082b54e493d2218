import { PermanentJobError } from '@app/handlers';
import type { InvocationFailure } from './function-invoker';

const TIMED_OUT = /Task timed out after [\d.]+ seconds/;

/** API errors that no retry can fix: the function or the request is wrong. */
const PERMANENT_SERVICE_ERRORS = new Set([
  'ResourceNotFoundException',
  'InvalidParameterValueException',
  'InvalidRequestContentException',
  'RequestTooLargeException',
  'UnsupportedMediaTypeException',
  'AccessDeniedException',
]);

/**
 * The `{ errorType, errorMessage }` body of a function error (X-Amz-Function-Error), as a
 * failure. A timeout has no errorType on older runtimes ('Sandbox.Timedout' on newer ones) and
 * says "Task timed out after N.NN seconds"; it is retryable, like a timeout in the worker.
 */
export function functionFailure(body: unknown): InvocationFailure {
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const errorMessage =
    typeof o.errorMessage === 'string' ? o.errorMessage : JSON.stringify(body ?? null);
  const timedOut = TIMED_OUT.test(errorMessage);
  const errorType =
    typeof o.errorType === 'string' && o.errorType !== ''
      ? o.errorType
      : timedOut
        ? 'Sandbox.Timedout'
        : 'Error';
  return {
    errorType,
    errorMessage,
    retryable: errorType !== 'PermanentJobError',
    origin: 'function',
  };
}

/** An error from the Lambda API itself (the SDK's exception, or a network error). */
export function serviceFailure(error: unknown): InvocationFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const errorType = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const clientError = status !== undefined && status >= 400 && status < 500 && status !== 429;
  return {
    errorType,
    errorMessage: e.message ?? String(error),
    // throttling (429), 5xx and network errors are worth another attempt
    retryable: !PERMANENT_SERVICE_ERRORS.has(errorType) && !clientError,
    origin: 'service',
  };
}

/**
 * The error a job attempt fails with, so that the worker's retry policy treats a Lambda failure
 * exactly like the same failure in-process: PermanentJobError (recognised by name) fails the
 * job for good; anything else is retried with backoff.
 */
export function toJobError(functionName: string, failure: InvocationFailure): Error {
  if (failure.origin === 'service') {
    // The Lambda API's own text names ARNs, the account and the worker's role: the job's owner
    // reads the error's name only; the text is the cause, for the worker's log.
    const cause = new Error(failure.errorMessage);
    const message =
      failure.errorType === 'ResourceNotFoundException'
        ? `Lambda function "${functionName}" not found (ResourceNotFoundException)`
        : `invoking Lambda function "${functionName}" failed (${failure.errorType})`;
    return failure.retryable
      ? namedError('LambdaServiceError', message, cause)
      : new PermanentJobError(message, { cause });
  }
  if (failure.errorType === 'PermanentJobError') return new PermanentJobError(failure.errorMessage);
  const timedOut = TIMED_OUT.exec(failure.errorMessage);
  if (timedOut)
    return namedError('LambdaTimeoutError', `Lambda function "${functionName}": ${timedOut[0]}`);
  // Same name and message as the error the handler threw: the job's error_message reads the
  // same whether the type ran in the worker or in Lambda.
  return namedError(failure.errorType, failure.errorMessage);
}

function namedError(name: string, message: string, cause?: Error): Error {
  const error = new Error(message, cause && { cause });
  error.name = name;
  return error;
}
