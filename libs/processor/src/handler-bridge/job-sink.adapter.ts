import type { ChildJobInput, JobSink } from '@app/handlers';
import { Injectable } from '@nestjs/common';
import { HandlerRegistry } from '../handler-registry';
import { JobSubmissionService } from '../job-submission.service';
import { InvalidPayloadError, UnknownJobTypeError } from '../processor.errors';

/**
 * The worker's JobSink: children are validated by the HandlerRegistry and written by
 * JobSubmissionService (jobs and outbox rows in one statement), like jobs from the api.
 * Idempotency keys the parent's user already used are skipped, not refused (ON CONFLICT DO
 * NOTHING), so a retried bulk import creates only the children its earlier attempts did not.
 */
@Injectable()
export class JobSinkAdapter implements JobSink {
  constructor(
    private readonly registry: HandlerRegistry,
    private readonly submission: JobSubmissionService,
  ) {}

  validate(jobType: string, payload: unknown): string | null {
    try {
      this.registry.validate(jobType, payload);
      return null;
    } catch (error) {
      if (error instanceof UnknownJobTypeError || error instanceof InvalidPayloadError) {
        return error.message;
      }
      throw error;
    }
  }

  async createChildren(
    parent: { id: string; userId: string },
    children: readonly ChildJobInput[],
  ): Promise<number> {
    if (children.length === 0) return 0;
    const requests = children.map((c) => ({
      jobType: c.jobType,
      payload: this.registry.validate(c.jobType, c.payload),
      idempotencyKey: c.idempotencyKey,
      parentId: parent.id,
    }));
    const created = await this.submission.submitValidated(parent.userId, requests, {
      skipUsedKeys: true,
    });
    return created.length;
  }
}
