import { DomainError } from '@app/jobs';
import type { FieldProblem } from './payload-validation';

export class UnknownJobTypeError extends DomainError {
  readonly code = 'JOB_TYPE_UNKNOWN';
  constructor(jobType: string, known: readonly string[]) {
    super(`Unknown job type "${jobType}"; known types: ${known.join(', ')}`, {
      field: 'jobType',
      jobType,
      known,
    });
  }
}

export class InvalidPayloadError extends DomainError {
  readonly code = 'JOB_PAYLOAD_INVALID';
  constructor(
    jobType: string,
    readonly problems: readonly FieldProblem[],
  ) {
    super(`Invalid payload for "${jobType}": ${problems.map((p) => p.message).join('; ')}`, {
      jobType,
      problems,
    });
  }
}
