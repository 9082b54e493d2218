import type { AppConfig } from '@app/config';
import { JobCatalogue } from '@app/handlers';
import { Outbox } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { InvalidPayloadError, UnknownJobTypeError } from './job.errors';
import type { Job } from './job.types';
import { JobsBatchService } from './jobs-batch.service';
import { JobsService } from './jobs.service';

export interface JobRequest {
  jobType: string;
  payload: unknown;
  maxRetries?: number;
  idempotencyKey?: string | null;
  parentId?: string | null;
}

/**
 * How a job enters the system (api, bulk import, schedule): validate against the job catalogue,
 * then write the jobs and their outbox messages in one transaction, then nudge the relay. A job
 * the caller was told about always has its message; a rolled-back one never sends anything.
 */
@Injectable()
export class JobSubmissionService {
  private readonly defaultMaxRetries: number;

  constructor(
    private readonly catalogue: JobCatalogue,
    private readonly jobs: JobsBatchService,
    private readonly jobModel: JobsService,
    private readonly outbox: Outbox,
    @InjectEntityManager() private readonly manager: EntityManager,
    config: ConfigService<AppConfig, true>,
  ) {
    this.defaultMaxRetries = config.get('processor', { infer: true }).maxRetries;
  }

  /**
   * Validates every request first (nothing is written if one is bad), then writes the jobs and
   * their messages in one statement (all or none) and nudges the relay.
   */
  async submit(userId: string, requests: readonly JobRequest[]): Promise<Job[]> {
    const validated = requests.map((r) => ({
      ...r,
      payload: this.validate(userId, r.jobType, r.payload),
    }));
    return this.submitValidated(userId, validated);
  }

  /**
   * The payload of `userId`'s job as its type's class; throws UnknownJobTypeError or
   * InvalidPayloadError (every bad field, an S3 place outside the user's space included).
   */
  validate(userId: string, jobType: string, payload: unknown): object {
    const check = this.catalogue.check(jobType, payload, userId);
    if (check.ok) return check.value;
    throw check.reason === 'unknown-type'
      ? new UnknownJobTypeError(check)
      : new InvalidPayloadError(check);
  }

  /**
   * `submit` for requests the caller has validated already (the api's batch, per item). With
   * `skipUsedKeys`, requests whose idempotency key the user already used are skipped: only the
   * jobs created are returned (a retried bulk import).
   */
  async submitValidated(
    userId: string,
    requests: readonly JobRequest[],
    options: { skipUsedKeys?: boolean } = {},
  ): Promise<Job[]> {
    if (requests.length === 0) return [];
    const rows = await this.outbox.enqueueWithJobs(
      this.manager,
      this.jobs.insertStatement(this.withDefaults(userId, requests), options),
    );
    this.outbox.nudge();
    return this.jobs.toJobs(rows);
  }

  /**
   * Writes already validated jobs inside the caller's transaction; the caller nudges the outbox
   * (`afterCommit`) once it has committed.
   */
  async submitIn(
    m: EntityManager,
    userId: string,
    requests: readonly JobRequest[],
  ): Promise<Job[]> {
    const jobs = await this.jobs.insertMany(this.withDefaults(userId, requests), m);
    await this.outbox.enqueue(
      m,
      jobs.map((j) => ({ jobId: j.id, attempt: 1 })),
    );
    return jobs;
  }

  /**
   * One already validated job under an idempotency key, unless the key made one already:
   * `created` says which. Concurrent first uses of a key are serialized by a transaction-scoped
   * lock on it (the unique (user_id, idempotency_key) index would turn a lost race into an
   * error). `fingerprint`, when given, is stored with a new job (the api's request check).
   */
  async submitOnce(
    userId: string,
    request: JobRequest & { idempotencyKey: string },
    fingerprint?: string,
  ): Promise<{ job: Job; created: boolean }> {
    const key = request.idempotencyKey;
    const outcome = await this.manager.transaction(async (m) => {
      await this.jobModel.lockIdempotencyKey(userId, key, m);
      const existing = await this.jobModel.findByIdempotencyKey(userId, key, m);
      if (existing) return { job: existing, created: false };
      const [job] = await this.submitIn(m, userId, [request]);
      if (fingerprint !== undefined)
        await this.jobModel.setIdempotencyFingerprint(job.id, fingerprint, m);
      return { job, created: true };
    });
    if (outcome.created) this.afterCommit();
    return outcome;
  }

  afterCommit(): void {
    this.outbox.nudge();
  }

  private withDefaults(userId: string, requests: readonly JobRequest[]) {
    return requests.map((r) => ({
      ...r,
      userId,
      maxRetries: r.maxRetries ?? this.defaultMaxRetries,
    }));
  }
}
