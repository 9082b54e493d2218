import type { AppConfig } from '@app/config';
import { JobStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import {
  IllegalTransitionError,
  JobNotFoundError,
  RetriesExhaustedError,
  StaleAttemptError,
} from './job.errors';
import type {
  CreateJobInput,
  FailureOutcome,
  Job,
  JobDependencies,
  JobListPage,
  ListJobsFilter,
  Page,
} from './job.types';
import { JobsRepository } from './jobs.repository';

/**
 * The Job model of the specification: create, getById, getByUserId, updateStatus, retry, cancel.
 * Every change goes through one conditional UPDATE in JobsRepository; when it matches no row,
 * this service re-reads the job to say precisely why (not found, illegal transition, stale attempt).
 */
@Injectable()
export class JobsService {
  private readonly defaultMaxRetries: number;

  constructor(
    private readonly jobs: JobsRepository,
    @InjectEntityManager() private readonly manager: EntityManager,
    config: ConfigService<AppConfig, true>,
  ) {
    this.defaultMaxRetries = config.get('processor', { infer: true }).maxRetries;
  }

  /** Inserts a pending job. Pass a transaction's manager to make the insert part of it. */
  create(input: CreateJobInput, manager: EntityManager = this.manager): Promise<Job> {
    return this.jobs.insert(
      { ...input, maxRetries: input.maxRetries ?? this.defaultMaxRetries },
      manager,
    );
  }

  async getById(id: string): Promise<Job> {
    return (await this.jobs.findById(id)) ?? this.throwNotFound(id);
  }

  /** Both directions of job `id`'s dependencies; with `userId`, only that user's jobs. */
  dependencies(id: string, userId: string | null = null): Promise<JobDependencies> {
    return this.jobs.dependencies(id, userId);
  }

  /** The specification's method: a user's jobs (null: every user's), newest first, by page. */
  async getByUserId(
    userId: string | null,
    filter: Pick<ListJobsFilter, 'status' | 'jobType' | 'limit'> & { page: number },
  ): Promise<Page<Job>> {
    const found = await this.list({ ...filter, userId: userId ?? undefined });
    return { items: found.items, page: filter.page, limit: filter.limit, total: found.total ?? 0 };
  }

  /** Jobs matching `filter` (every user's unless it names one), in its sort order. */
  list(filter: ListJobsFilter): Promise<JobListPage> {
    return this.jobs.list(filter);
  }

  /**
   * Moves a job to `status` through the transition that owns that state. Completion and failure
   * are fenced by `attempt` when it is given (workers always give it).
   */
  async updateStatus(
    id: string,
    status: JobStatus,
    change: { results?: unknown; failure?: FailureOutcome; attempt?: number } = {},
  ): Promise<Job> {
    switch (status) {
      case JobStatus.Processing:
        return this.claim(id);
      case JobStatus.Completed:
        return this.complete(
          id,
          change.attempt ?? (await this.getById(id)).attempt,
          change.results,
        );
      case JobStatus.Failed:
        return this.fail(
          id,
          change.attempt ?? (await this.getById(id)).attempt,
          change.failure ?? { errorMessage: 'failed', retryDelayMs: null },
        );
      case JobStatus.Cancelled:
        return this.cancel(id);
      case JobStatus.Pending:
        return this.retry(id, this.defaultMaxRetries);
    }
  }

  async claim(id: string): Promise<Job> {
    return (await this.jobs.claim(id)) ?? this.explain(id, JobStatus.Processing);
  }

  async complete(id: string, attempt: number, results: unknown): Promise<Job> {
    return (
      (await this.jobs.complete(id, attempt, results)) ??
      this.explain(id, JobStatus.Completed, attempt)
    );
  }

  async fail(id: string, attempt: number, outcome: FailureOutcome): Promise<Job> {
    return (
      (await this.jobs.fail(id, attempt, outcome)) ?? this.explain(id, JobStatus.Failed, attempt)
    );
  }

  /** Pending: cancelled now. Processing: cancellation requested (`cancelRequestedAt` set). */
  async cancel(id: string): Promise<Job> {
    return (await this.jobs.cancel(id)) ?? this.explain(id, JobStatus.Cancelled);
  }

  /** Queues a failed job again if it has retries left (at most `maxRetries` and its own limit). */
  async retry(id: string, maxRetries: number): Promise<Job> {
    const job = await this.jobs.retry(id, maxRetries);
    if (job) return job;
    const current = await this.getById(id);
    if (current.status === JobStatus.Failed) {
      throw new RetriesExhaustedError(
        id,
        current.retryCount,
        Math.min(maxRetries, current.maxRetries),
      );
    }
    throw new IllegalTransitionError(id, current.status, JobStatus.Pending);
  }

  /**
   * Runs a failed or cancelled job again, by hand (the owner or an admin asked): → pending, its
   * next outbox message written in the same statement (nudge the outbox after).
   */
  async requeue(id: string): Promise<Job> {
    return (await this.jobs.requeue(id)) ?? this.explain(id, JobStatus.Pending);
  }

  /** The job a user created with this Idempotency-Key, if any. */
  findByIdempotencyKey(
    userId: string,
    key: string,
    manager: EntityManager = this.manager,
  ): Promise<Job | undefined> {
    return this.jobs.findByIdempotencyKey(userId, key, manager);
  }

  /** processing → cancelled after the handler of `attempt` stopped on a cancellation request. */
  async confirmCancelled(id: string, attempt: number): Promise<Job> {
    return (
      (await this.jobs.confirmCancelled(id, attempt)) ??
      this.explain(id, JobStatus.Cancelled, attempt)
    );
  }

  /** Liveness (and optionally progress) of a running attempt; false once the attempt is stale. */
  heartbeat(id: string, attempt: number, progress?: number): Promise<boolean> {
    return this.jobs.heartbeat(id, attempt, progress);
  }

  private async explain(id: string, to: JobStatus, attempt?: number): Promise<never> {
    const current = await this.getById(id);
    if (attempt !== undefined && current.attempt !== attempt)
      throw new StaleAttemptError(id, attempt);
    throw new IllegalTransitionError(id, current.status, to);
  }

  private throwNotFound(id: string): never {
    throw new JobNotFoundError(id);
  }
}
