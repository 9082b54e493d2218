import { queryRows } from '@app/database';
import type { ChildJobInput, JobSink } from '@app/handlers';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { HandlerRegistry } from '../handler-registry';
import { type JobRequest, JobSubmissionService } from '../job-submission.service';
import { InvalidPayloadError, UnknownJobTypeError } from '../processor.errors';

/**
 * The worker's JobSink: children are validated by the HandlerRegistry and written by
 * JobSubmissionService (jobs and outbox rows in one transaction), like jobs from the api.
 * Idempotency keys the parent's user already used are skipped, not refused, so a retried
 * bulk import creates only the children its earlier attempts did not.
 */
@Injectable()
export class JobSinkAdapter implements JobSink {
  constructor(
    private readonly registry: HandlerRegistry,
    private readonly submission: JobSubmissionService,
    @InjectEntityManager() private readonly manager: EntityManager,
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
    const requests = children.map((c): JobRequest & { idempotencyKey: string } => ({
      jobType: c.jobType,
      payload: this.registry.validate(c.jobType, c.payload),
      idempotencyKey: c.idempotencyKey,
      parentId: parent.id,
    }));
    const created = await this.manager.transaction(async (m) => {
      // Serializes child creation per user, so the check below cannot race another writer of
      // the same keys into the unique (user_id, idempotency_key) index.
      await queryRows(m, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `job-children:${parent.userId}`,
      ]);
      const used = await queryRows<{ key: string }>(
        m,
        `SELECT idempotency_key AS key FROM jobs WHERE user_id = $1 AND idempotency_key = ANY($2::varchar[])`,
        [parent.userId, requests.map((r) => r.idempotencyKey)],
      );
      const taken = new Set(used.map((u) => u.key));
      const fresh: JobRequest[] = [];
      for (const request of requests) {
        if (taken.has(request.idempotencyKey)) continue; // used before, or twice in this batch
        taken.add(request.idempotencyKey);
        fresh.push(request);
      }
      return (await this.submission.submitIn(m, parent.userId, fresh)).length;
    });
    if (created > 0) this.submission.afterCommit();
    return created;
  }
}
