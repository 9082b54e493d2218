import {
  DependencyEndedError,
  DependencyNotFoundError,
  IdempotencyKeyReusedError,
  InvalidPayloadError,
  type Job,
  type JobRequest,
  JobsService,
  JobSubmissionService,
  QuotaExceededError,
  resolveDependencies,
  UnknownJobTypeError,
} from '@app/jobs';
import type { AppConfig } from '@app/config';
import { JobCatalogue } from '@app/handlers';
import { ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { type AuthUser, isAdmin } from '../auth/role';
import { type FieldProblem, RequestValidationError } from '../errors/request-validation.error';
import type { CreateJobBatchRequestDto } from './dto/create-job-batch.request.dto';
import type { CreateJobRequestDto } from './dto/create-job.request.dto';
import { JobAdmission } from './job-admission';
import { timingProblems } from './job-timing';
import { requestFingerprint } from './request-fingerprint';

/**
 * POST /api/v1/jobs and its batch: admission (role, quota) and validation per request, then
 * JobSubmissionService, whose one statement also decides an Idempotency-Key. Concurrent requests
 * share that statement (group commit), so a request costs no transaction of its own.
 */
@Injectable()
export class JobCreation {
  constructor(
    private readonly submission: JobSubmissionService,
    private readonly jobs: JobsService,
    private readonly admission: JobAdmission,
    private readonly catalogue: JobCatalogue,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /**
   * With a key: the same key and the same request answer the job the key created; the same key
   * and another request, 422. A request refused before it reaches the database (role, quota,
   * payload) is looked up by its key too, so a replay answers as before whatever changed since.
   */
  async create(user: AuthUser, dto: CreateJobRequestDto, key?: string): Promise<Job> {
    const fingerprint = key === undefined ? undefined : requestFingerprint(dto);
    try {
      const dependencies = resolveDependencies([{ dependsOn: dto.dependsOn }]);
      const problems = [
        ...this.timingProblems(dto),
        ...dependencies.problems.map((p) => ({ field: p.field, message: p.message })),
      ];
      if (problems.length) throw new RequestValidationError(problems);
      await this.admission.admit(user, [dto]);
      const [{ job, created }] = await this.submission.submit(
        user.id,
        [
          {
            ...toRequest(dto),
            idempotencyKey: key,
            fingerprint,
            dependsOn: dependencies.resolved[0].existing,
          },
        ],
        { anyOwner: isAdmin(user) },
      );
      return created || key === undefined ? job : replay(job, key, fingerprint);
    } catch (error) {
      if (key === undefined || !refusedBeforeWriting(error)) throw error;
      const existing = await this.jobs.findByIdempotencyKey(user.id, key);
      if (!existing) throw error;
      return replay(existing, key, fingerprint);
    }
  }

  /**
   * All jobs or none: every one is validated first (dependencies among them: resolveDependencies),
   * then all are written by one statement, or by one transaction when some have dependencies.
   */
  async createBatch(user: AuthUser, dto: CreateJobBatchRequestDto): Promise<Job[]> {
    const problems: FieldProblem[] = [];
    const requests: JobRequest[] = [];
    dto.jobs.forEach((job, i) => {
      problems.push(...this.timingProblems(job, `jobs.${i}`));
      try {
        requests.push({
          ...toRequest(job),
          payload: this.submission.validate(user.id, job.jobType, job.payload),
        });
      } catch (error) {
        problems.push(...batchProblems(error, `jobs.${i}`));
      }
    });
    const dependencies = resolveDependencies(dto.jobs);
    for (const p of dependencies.problems)
      problems.push({ field: `jobs.${p.index}.${p.field}`, message: `jobs.${p.index}.${p.field}: ${p.message}` });
    if (problems.length) throw new RequestValidationError(problems);
    dependencies.resolved.forEach((d, i) =>
      Object.assign(requests[i], {
        dependsOn: d.existing,
        dependsOnSiblings: d.siblings,
        dependsOnField: `jobs.${i}.dependsOn`,
      }),
    );
    await this.admission.admit(user, dto.jobs, true);
    const submitted = await this.submission.submitValidated(user.id, requests, {
      anyOwner: isAdmin(user),
    });
    return submitted.map((s) => s.job);
  }

  /** runAt, delaySeconds, expireAt and timeoutSeconds against each other, the clock and the type. */
  private timingProblems(dto: CreateJobRequestDto, prefix?: string): FieldProblem[] {
    const definition = this.catalogue.find(dto.jobType); // unknown: refused by validate anyway
    const timeoutMs =
      definition?.timeoutMs ?? this.config.get('worker', { infer: true }).defaultTimeoutMs;
    const maxTimeoutSeconds = definition ? Math.floor(timeoutMs / 1000) : undefined;
    return timingProblems(
      dto,
      { nowMs: Date.now(), maxTimeoutSeconds, jobType: dto.jobType },
      prefix,
    );
  }
}

function toRequest(dto: CreateJobRequestDto): JobRequest {
  return {
    jobType: dto.jobType,
    payload: dto.payload,
    maxRetries: dto.maxRetries,
    // normalised: PostgreSQL does not read every ISO 8601 form (week dates, say)
    runAt: dto.runAt ? new Date(dto.runAt).toISOString() : undefined,
    delaySeconds: dto.delaySeconds,
    expireAt: dto.expireAt ? new Date(dto.expireAt).toISOString() : undefined,
    timeoutSeconds: dto.timeoutSeconds,
  };
}

function replay(job: Job, key: string, fingerprint: string | undefined): Job {
  if (job.idempotencyFingerprint !== fingerprint) throw new IdempotencyKeyReusedError(key, job.id);
  return job;
}

/** The refusals a replay does not face: it creates nothing, so only its key matters. */
function refusedBeforeWriting(error: unknown): boolean {
  return (
    error instanceof RequestValidationError ||
    error instanceof QuotaExceededError ||
    error instanceof ForbiddenException ||
    error instanceof UnknownJobTypeError ||
    error instanceof InvalidPayloadError ||
    error instanceof DependencyNotFoundError ||
    error instanceof DependencyEndedError
  );
}

/** A job of a batch failed the catalogue's checks: its problems, with fields under `jobs.<i>`. */
function batchProblems(error: unknown, prefix: string): FieldProblem[] {
  if (error instanceof UnknownJobTypeError)
    return [{ field: `${prefix}.jobType`, message: error.message }];
  if (error instanceof InvalidPayloadError)
    return error.problems.map((p) => ({
      field: `${prefix}.${p.field}`,
      message: p.message.replace(p.field, `${prefix}.${p.field}`),
    }));
  throw error;
}
