import { isPermanent } from '@app/handlers';
import { functionFailure, serviceFailure, toJobError } from './invocation-errors';

const fromBody = (body: unknown) => toJobError('fn', functionFailure(body));
const fromSdk = (error: unknown) => toJobError('process-exports', serviceFailure(error));

describe('mapping Lambda failures to job errors', () => {
  it('keeps a PermanentJobError permanent across the function boundary', () => {
    const error = fromBody({ errorType: 'PermanentJobError', errorMessage: 'not a video' });
    expect(isPermanent(error)).toBe(true);
    expect(error.message).toBe('not a video');
  });

  it('makes any other function error retryable, with the name and message it was thrown with', () => {
    const error = fromBody({ errorType: 'TypeError', errorMessage: 'x is undefined' });
    expect(isPermanent(error)).toBe(false);
    expect(error).toMatchObject({ name: 'TypeError', message: 'x is undefined' });
  });

  it.each([
    [{ errorMessage: '2024-05-01T10:00:00.000Z abc Task timed out after 1.00 seconds' }],
    [
      {
        errorType: 'Sandbox.Timedout',
        errorMessage: 'RequestId: abc Error: Task timed out after 900.00 seconds',
      },
    ],
  ])('treats a Lambda timeout as a retryable timeout', (body) => {
    const error = fromBody(body);
    expect(isPermanent(error)).toBe(false);
    expect(error.name).toBe('LambdaTimeoutError');
    expect(error.message).toMatch(/^Lambda function "fn": Task timed out after [\d.]+ seconds$/);
  });

  it('fails for good when the function does not exist, naming it', () => {
    const error = fromSdk({
      name: 'ResourceNotFoundException',
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:process-exports',
      $metadata: { httpStatusCode: 404 },
    });
    expect(isPermanent(error)).toBe(true);
    expect(error.message).toContain('Lambda function "process-exports" not found');
  });

  it.each([
    [
      'throttling',
      {
        name: 'TooManyRequestsException',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 429 },
      },
    ],
    ['a 5xx', { name: 'ServiceException', message: 'oops', $metadata: { httpStatusCode: 500 } }],
    [
      'a network error',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    ],
  ])('retries %s from the Lambda API', (_what, sdkError) => {
    const error = fromSdk(sdkError);
    expect(isPermanent(error)).toBe(false);
    expect(error.name).toBe('LambdaServiceError');
  });

  it('treats a refused request (4xx other than throttling) as permanent', () => {
    const error = fromSdk({
      name: 'InvalidRequestContentException',
      message: 'bad',
      $metadata: { httpStatusCode: 400 },
    });
    expect(isPermanent(error)).toBe(true);
  });
});

describe('what a job owner reads of a Lambda API failure', () => {
  it('names the error, not the ARNs, account or role in its text (kept as the cause)', () => {
    const text =
      'User: arn:aws:sts::123456789012:assumed-role/worker/i-0abc is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:process-exports';
    const error = fromSdk({
      name: 'AccessDeniedException',
      message: text,
      $metadata: { httpStatusCode: 403 },
    });
    expect(error.message).toBe(
      'invoking Lambda function "process-exports" failed (AccessDeniedException)',
    );
    expect(error.message).not.toMatch(/arn:|123456789012/);
    expect((error.cause as Error).message).toBe(text);
  });
});
