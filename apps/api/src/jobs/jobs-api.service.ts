import { JobStatus } from '@app/database';
import {
  estimateCompletion,
  IdempotencyKeyReusedError,
  type Job,
  JobLogsService,
  JobNotFoundError,
  JobsService,
  JobStatsService,
  DeadJobsService,
  type DeadJobSelector,
  InvalidPayloadError,
  type JobRequest,
  JobSubmissionService,
  UnknownJobTypeError,
} from '@app/jobs';
import { Outbox, QueueService } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { type AuthUser, isAdmin } from '../auth/role';
import { type FieldProblem, RequestValidationError } from '../errors/request-validation.error';
import type { CancelJobResponseDto } from './dto/cancel-job.response.dto';
import type { CreateJobBatchRequestDto } from './dto/create-job-batch.request.dto';
import type { CreateJobRequestDto } from './dto/create-job.request.dto';
import type {
  JobAcceptedResponseDto,
  JobBatchAcceptedResponseDto,
} from './dto/job-accepted.response.dto';
import type { JobDetailResponseDto } from './dto/job-detail.response.dto';
import type { JobListResponseDto } from './dto/job-list.response.dto';
import type { JobLogsResponseDto } from './dto/job-logs.response.dto';
import type { ListJobsQueryDto } from './dto/list-jobs.query.dto';
import type { StatsOverviewResponseDto } from './dto/stats-overview.response.dto';
import { JobAdmission } from './job-admission';
import type {
  DeadJobListResponseDto,
  ListDeadJobsQueryDto,
  RedriveRequestDto,
  RedriveResponseDto,
} from './dto/dead-jobs.dto';
import { JobCancellation } from './job-cancellation';
import { AuditLog } from './audit-log';
import { toAccepted, toDetail, toLogs, toSummary } from './job.presenter';
import { requestFingerprint } from './request-fingerprint';

/**
 * The use cases behind /api/v1/jobs. Every job a caller names is looked up through `owned`:
 * another user's job answers 404 exactly like a missing one, so ids cannot be probed.
 */
@Injectable()
export class JobsApiService {
  private readonly logger = new Logger(JobsApiService.name);

  constructor(
    private readonly jobs: JobsService,
    private readonly stats: JobStatsService,
    private readonly jobLogs: JobLogsService,
    private readonly submission: JobSubmissionService,
    private readonly outbox: Outbox,
    private readonly queue: QueueService,
    private readonly dead: DeadJobsService,
    private readonly cancellation: JobCancellation,
    private readonly audit: AuditLog,
    private readonly admission: JobAdmission,
  ) {}

  async create(
    user: AuthUser,
    dto: CreateJobRequestDto,
    idempotencyKey?: string,
  ): Promise<JobAcceptedResponseDto> {
    if (idempotencyKey === undefined) {
      await this.admission.admit(user, [dto]);
      const [job] = await this.submission.submit(user.id, [toRequest(dto)]);
      return { data: toAccepted(job) };
    }
    return { data: toAccepted(await this.createIdempotent(user, dto, idempotencyKey)) };
  }

  /** All jobs or none: every one is validated first, then all are written by one statement. */
  async createBatch(
    user: AuthUser,
    dto: CreateJobBatchRequestDto,
  ): Promise<JobBatchAcceptedResponseDto> {
    const problems: FieldProblem[] = [];
    const requests: JobRequest[] = [];
    dto.jobs.forEach((job, i) => {
      try {
        requests.push({
          ...toRequest(job),
          payload: this.submission.validate(user.id, job.jobType, job.payload),
        });
      } catch (error) {
        problems.push(...batchProblems(error, `jobs.${i}`));
      }
    });
    if (problems.length) throw new RequestValidationError(problems);
    await this.admission.admit(user, dto.jobs, true);
    const jobs = await this.submission.submitValidated(user.id, requests);
    return { data: jobs.map(toAccepted) };
  }

  async list(user: AuthUser, query: ListJobsQueryDto): Promise<JobListResponseDto> {
    const page = await this.jobs.getByUserId(isAdmin(user) ? null : user.id, query);
    return {
      data: page.items.map(toSummary),
      pagination: { page: page.page, limit: page.limit, total: page.total },
    };
  }

  async get(user: AuthUser, id: string): Promise<JobDetailResponseDto> {
    const job = await this.owned(user, id);
    this.audit.read(user, 'job.read', job);
    return { data: toDetail(job, await this.estimatedCompletion(job)) };
  }

  /** Pending (or awaiting a retry): cancelled now. Processing: stopped, waiting CANCEL_WAIT_MS at most. */
  async cancel(user: AuthUser, id: string): Promise<CancelJobResponseDto> {
    const target = await this.owned(user, id);
    const job = await this.cancellation.cancel(id);
    await this.audit.acted(user, 'job.cancel', target);
    return job.status === JobStatus.Processing
      ? { data: { id: job.id, status: job.status, cancelRequested: true } }
      : { data: { id: job.id, status: job.status } };
  }

  async logs(user: AuthUser, id: string): Promise<JobLogsResponseDto> {
    const job = await this.owned(user, id);
    this.audit.read(user, 'job.logs.read', job);
    return { data: toLogs(job, await this.jobLogs.forJob(id)) };
  }

  /** A failed or cancelled job runs again: pending plus its next queue message, in one statement. */
  async retry(user: AuthUser, id: string): Promise<JobAcceptedResponseDto> {
    const target = await this.owned(user, id);
    await this.admission.admit(user, [target]);
    const job = await this.jobs.requeue(id);
    await this.audit.acted(user, 'job.retry', target);
    this.outbox.nudge();
    return { data: toAccepted(job) };
  }

  async listDead(query: ListDeadJobsQueryDto): Promise<DeadJobListResponseDto> {
    const page = await this.dead.list(query);
    return {
      data: page.items.map(toSummary),
      pagination: { page: page.page, limit: page.limit, total: page.total },
    };
  }

  /** Queues the selected dead jobs again (with their next messages) and clears their DLQ copies. */
  async redrive(user: AuthUser, dto: RedriveRequestDto): Promise<RedriveResponseDto> {
    const given = (['jobIds', 'jobType', 'all'] as const).filter((k) => dto[k] !== undefined);
    if (given.length !== 1) {
      throw new RequestValidationError([
        { field: 'jobIds', message: 'give exactly one of jobIds, jobType or all' },
      ]);
    }
    const selector: DeadJobSelector = dto.jobIds
      ? { jobIds: dto.jobIds }
      : dto.jobType
        ? { jobType: dto.jobType }
        : { all: true };
    const jobs = await this.dead.redrive(selector);
    this.outbox.nudge();
    await this.audit.changed(user, 'dlq.redrive', jobs);
    const removedFromDlq =
      jobs.length === 0
        ? 0
        : await this.queue
            .removeDeadLetters(dto.all ? null : new Set(jobs.map((j) => j.id)))
            .catch((error: unknown) => {
              this.logger.warn(
                `re-drive: clearing the DLQ failed: ${error instanceof Error ? error.message : String(error)}`,
              );
              return 0;
            });
    return { data: { redriven: jobs.length, jobIds: jobs.map((j) => j.id), removedFromDlq } };
  }

  async overview(): Promise<StatsOverviewResponseDto> {
    const [counts, queue] = await Promise.all([this.stats.counts(), this.queueStats()]);
    return {
      data: {
        totalJobs: counts.totalJobs,
        byStatus: counts.byStatus,
        averageProcessingTime:
          counts.averageProcessingMs === null
            ? null
            : Math.round(counts.averageProcessingMs) / 1000,
        failureRate: counts.failureRatePercent,
        queueDepth: queue && queue.queue.visible + queue.queue.delayed,
        deadLetterDepth:
          queue && queue.deadLetter.visible + queue.deadLetter.inFlight + queue.deadLetter.delayed,
      },
    };
  }

  private async owned(user: AuthUser, id: string): Promise<Job> {
    const job = await this.jobs.getById(id);
    if (job.userId !== user.id && !isAdmin(user)) throw new JobNotFoundError(id);
    return job;
  }

  private async estimatedCompletion(job: Job): Promise<Date | null> {
    if (job.status !== JobStatus.Processing || !job.startedAt) return null;
    return estimateCompletion({
      now: new Date(),
      startedAt: job.startedAt,
      progress: job.progress,
      recentAverageMs: await this.stats.recentAverageProcessingMs(job.jobType),
    });
  }

  /**
   * Same key and same request: the job the key already created. Same key, other request: 422.
   * Concurrent first uses of a key are serialized (JobSubmissionService.submitOnce).
   */
  private async createIdempotent(
    user: AuthUser,
    dto: CreateJobRequestDto,
    key: string,
  ): Promise<Job> {
    const fingerprint = requestFingerprint(dto);
    const existing = await this.jobs.findByIdempotencyKey(user.id, key);
    if (existing) return replay(existing, key, fingerprint);
    await this.admission.admit(user, [dto]);
    const request = {
      ...toRequest(dto),
      payload: this.submission.validate(user.id, dto.jobType, dto.payload),
      idempotencyKey: key,
    };
    const { job, created } = await this.submission.submitOnce(user.id, request, fingerprint);
    return created ? job : replay(job, key, fingerprint);
  }

  private async queueStats() {
    try {
      return await this.queue.getQueueStats();
    } catch (error) {
      this.logger.warn(
        `queue statistics unavailable: ${error instanceof Error ? error.message : String(error)}`,
      );
      return null;
    }
  }
}

function toRequest(dto: CreateJobRequestDto): JobRequest {
  return { jobType: dto.jobType, payload: dto.payload, maxRetries: dto.maxRetries };
}

function replay(job: Job, key: string, fingerprint: string): Job {
  if (job.idempotencyFingerprint !== fingerprint) throw new IdempotencyKeyReusedError(key, job.id);
  return job;
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
