import { DomainError } from '@app/jobs';

/**
 * moveToDLQ was asked to dead-letter a job that has not failed for good (it is pending,
 * running, finished, or failed with a retry still scheduled).
 */
export class JobNotDeadError extends DomainError {
  readonly code = 'JOB_NOT_DEAD';

  constructor(id: string, status: string, nextRetryAt: Date | null) {
    super(
      `Job ${id} has not failed for good (status ${status}${nextRetryAt ? `, retry due ${nextRetryAt.toISOString()}` : ''}); only such jobs go to the dead-letter queue`,
      { jobId: id, status, nextRetryAt },
    );
  }
}
