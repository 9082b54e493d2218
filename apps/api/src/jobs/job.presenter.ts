import { JobStatus } from '@app/database';
import type { Job, JobDependencies, JobLogEntry } from '@app/jobs';
import type { JobAcceptedDto } from './dto/job-accepted.response.dto';
import type { JobDetailDto } from './dto/job-detail.response.dto';
import type { JobLogsDto } from './dto/job-logs.response.dto';
import type { JobSummaryDto } from './dto/job-list.response.dto';

/** Jobs as the api shows them: only what clients need, never internals like the attempt fence. */
export const toAccepted = (job: Job): JobAcceptedDto => ({
  id: job.id,
  status: job.status,
  jobType: job.jobType,
  createdAt: job.createdAt,
});

export const toSummary = (job: Job): JobSummaryDto => ({
  id: job.id,
  status: job.status,
  jobType: job.jobType,
  userId: job.userId,
  progress: job.progress,
  createdAt: job.createdAt,
  startedAt: job.startedAt,
  completedAt: job.completedAt,
  runAt: job.runAt,
});

export const toDetail = (
  job: Job,
  estimatedCompletion: Date | null,
  dependencies: JobDependencies,
): JobDetailDto => ({
  ...toSummary(job),
  payload: job.payload,
  estimatedCompletion,
  retryCount: job.retryCount,
  maxRetries: job.maxRetries,
  nextRetryAt: job.nextRetryAt,
  expireAt: job.expireAt,
  timeoutSeconds: job.timeoutSeconds,
  errorMessage: job.errorMessage,
  cancelRequested: job.status === JobStatus.Processing && job.cancelRequestedAt !== null,
  results: job.status === JobStatus.Completed ? job.results : null,
  dependsOn: dependencies.dependsOn,
  dependenciesLeft: job.dependenciesLeft,
  dependents: dependencies.dependents,
});

export const toLogs = (job: Job, lines: JobLogEntry[]): JobLogsDto => ({
  logs: lines.map((l) => ({
    level: l.level,
    message: l.message,
    source: l.source,
    attempt: l.attempt,
    timestamp: l.createdAt,
  })),
  errorMessage: job.errorMessage,
});
