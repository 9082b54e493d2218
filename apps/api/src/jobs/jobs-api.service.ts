import { JobStatus } from '@app/database';
import {
  estimateCompletion,
  type Job,
  JobLogsService,
  JobNotFoundError,
  JobsService,
  JobStatsService,
  JobTypeStatesService,
  DeadJobsService,
  type DeadJobSelector,
  OutboxSignal,
} from '@app/jobs';
import { OutboxBacklog, QueueService } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { type AuthUser, seesAllJobs } from '../auth/role';
import { RequestValidationError } from '../errors/request-validation.error';
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
import { JobListing } from './job-listing';
import type {
  DeadJobListResponseDto,
  ListDeadJobsQueryDto,
  RedriveRequestDto,
  RedriveResponseDto,
} from './dto/dead-jobs.dto';
import { JobCancellation } from './job-cancellation';
import { JobCreation } from './job-creation';
import { JobWait } from './job-wait';
import { AuditLog } from './audit-log';
import { toAccepted, toDetail, toLogs, toSummary } from './job.presenter';

/** Minutes of completions and failures the overview's throughput covers. */
const THROUGHPUT_MINUTES = 60;

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
    private readonly creation: JobCreation,
    private readonly outboxSignal: OutboxSignal,
    private readonly queue: QueueService,
    private readonly outboxBacklog: OutboxBacklog,
    private readonly dead: DeadJobsService,
    private readonly cancellation: JobCancellation,
    private readonly audit: AuditLog,
    private readonly admission: JobAdmission,
    private readonly listing: JobListing,
    private readonly typeStates: JobTypeStatesService,
    private readonly wait: JobWait,
  ) {}

  async create(
    user: AuthUser,
    dto: CreateJobRequestDto,
    idempotencyKey?: string,
  ): Promise<JobAcceptedResponseDto> {
    return { data: toAccepted(await this.creation.create(user, dto, idempotencyKey)) };
  }

  /** All jobs or none: every one is validated first, then all are written by one statement. */
  async createBatch(
    user: AuthUser,
    dto: CreateJobBatchRequestDto,
  ): Promise<JobBatchAcceptedResponseDto> {
    return { data: (await this.creation.createBatch(user, dto)).map(toAccepted) };
  }

  list(user: AuthUser, query: ListJobsQueryDto): Promise<JobListResponseDto> {
    return this.listing.list(user, query);
  }

  /** With `waitSeconds`, answers once the job is settled or the wait ends (see JobWait). */
  async get(
    user: AuthUser,
    id: string,
    waitSeconds = 0,
    clientGone: AbortSignal = new AbortController().signal,
  ): Promise<JobDetailResponseDto> {
    const job = await this.wait.until(await this.owned(user, id), waitSeconds, clientGone);
    this.audit.read(user, 'job.read', job);
    const dependencies = await this.jobs.dependencies(id, seesAllJobs(user) ? null : user.id);
    return { data: toDetail(job, await this.estimatedCompletion(job), dependencies) };
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
    this.outboxSignal.notify();
    return { data: toAccepted(job) };
  }

  async listDead(query: ListDeadJobsQueryDto): Promise<DeadJobListResponseDto> {
    const page = await this.dead.list({ ...query, page: query.page ?? 1 });
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
    this.outboxSignal.notify();
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
    const [counts, queue, throughput, outbox, paused, rateLimited] = await Promise.all([
      this.stats.counts(),
      this.queueStats(),
      this.stats.throughput(THROUGHPUT_MINUTES),
      this.outboxBacklog.snapshot(),
      this.typeStates.paused(),
      this.typeStates.rateLimits(),
    ]);
    return {
      data: {
        totalJobs: counts.totalJobs,
        byStatus: counts.byStatus,
        averageProcessingTime:
          counts.averageProcessingMs === null
            ? null
            : Math.round(counts.averageProcessingMs) / 1000,
        failureRate: counts.failureRatePercent,
        queueDepth:
          queue &&
          queue.queue.visible +
            queue.queue.delayed +
            (queue.priorityLane ? queue.priorityLane.visible + queue.priorityLane.delayed : 0),
        deadLetterDepth:
          queue && queue.deadLetter.visible + queue.deadLetter.inFlight + queue.deadLetter.delayed,
        byType: counts.byType,
        throughput: throughput.map((p) => ({ ...p, at: p.at.toISOString() })),
        outbox: { backlog: outbox?.backlog ?? null, oldestAgeSeconds: outbox?.age ?? null },
        pausedTypes: paused.map((p) => ({ ...p, pausedAt: p.pausedAt.toISOString() })),
        rateLimitedTypes: rateLimited,
      },
    };
  }

  private async owned(user: AuthUser, id: string): Promise<Job> {
    const job = await this.jobs.getById(id);
    if (job.userId !== user.id && !seesAllJobs(user)) throw new JobNotFoundError(id);
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
