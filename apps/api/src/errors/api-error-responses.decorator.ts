import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; `details` names each wrong field (VALIDATION_FAILED, JOB_TYPE_UNKNOWN, JOB_PAYLOAD_INVALID)',
  404: 'No such job, or it belongs to another user (JOB_NOT_FOUND)',
  409: 'The job is not in a state that allows this (JOB_ILLEGAL_TRANSITION)',
  413: 'The request body is larger than HTTP_BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE)',
  422: 'The Idempotency-Key was already used with a different request (IDEMPOTENCY_KEY_REUSED)',
  429: 'Too many POST requests by this user; see Retry-After (RATE_LIMITED)',
  503: 'The database is away (see Retry-After), or this instance already serves EVENTS_MAX_STREAMS event streams and waits (SERVICE_UNAVAILABLE)',
};

/** Documents error answers of a route, all in the one error envelope. */
export const ApiErrorResponses = (...statuses: (keyof typeof DESCRIPTIONS)[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto }),
    ),
  );

/** The refusals of a job's `dependsOn` (POST /jobs and /jobs/batch). */
export const ApiDependencyErrorResponses = () =>
  applyDecorators(
    ApiResponse({
      status: 404,
      description:
        'A `dependsOn` id is not one of your jobs: unknown, or another user\'s (JOB_DEPENDENCY_NOT_FOUND); `details` names the field (`dependsOn`, `jobs.<i>.dependsOn`)',
      type: ErrorResponseDto,
    }),
    ApiResponse({
      status: 409,
      description:
        'A `dependsOn` job already failed for good or was cancelled, so this job could never start (JOB_DEPENDENCY_ENDED); `details` names the field',
      type: ErrorResponseDto,
    }),
  );
