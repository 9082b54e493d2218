import { type ChildJobInput, JobCatalogue, type JobSink } from '@app/handlers';
import { JobSubmissionService } from '@app/jobs';
import { Injectable } from '@nestjs/common';

/**
 * The worker's JobSink: children are validated by the app's JobCatalogue and written by
 * JobSubmissionService (jobs and outbox rows in one statement), like jobs from the api.
 * A child whose idempotency key the parent's user already used is not created again (the
 * submission returns the existing job), so a retried bulk import creates only the children its
 * earlier attempts did not.
 */
@Injectable()
export class JobSinkAdapter implements JobSink {
  constructor(
    private readonly catalogue: JobCatalogue,
    private readonly submission: JobSubmissionService,
  ) {}

  validate(owner: string, jobType: string, payload: unknown): string | null {
    return this.catalogue.childRefusal(jobType, payload, owner);
  }

  async createChildren(
    parent: { id: string; userId: string },
    children: readonly ChildJobInput[],
  ): Promise<number> {
    if (children.length === 0) return 0;
    const payloads = this.catalogue.childPayloads(children, parent.userId);
    const requests = children.map((c, i) => ({
      jobType: c.jobType,
      payload: payloads[i],
      idempotencyKey: c.idempotencyKey,
      parentId: parent.id,
    }));
    const submitted = await this.submission.submitValidated(parent.userId, requests);
    return submitted.filter((s) => s.created).length;
  }
}
