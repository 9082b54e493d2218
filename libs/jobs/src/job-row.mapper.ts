import { JobEntity, type JobStatus } from '@app/database';

export { JOB_COLUMNS } from './sql/job-columns';

export interface JobRow {
  id: string;
  user_id: string;
  job_type: string;
  status: JobStatus;
  payload: unknown;
  results: unknown;
  error_message: string | null;
  retry_count: number;
  max_retries: number;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  next_retry_at: Date | null;
  progress: number;
  attempt: number;
  heartbeat_at: Date | null;
  cancel_requested_at: Date | null;
  idempotency_key: string | null;
  parent_id: string | null;
  idempotency_fingerprint: string | null;
  trace_parent: string | null;
  run_at: Date | null;
  expire_at: Date | null;
  timeout_seconds: number | null;
  dependencies_left: number;
}

export function toJob(row: JobRow): JobEntity {
  return Object.assign(new JobEntity(), {
    id: row.id,
    userId: row.user_id,
    jobType: row.job_type,
    status: row.status,
    payload: row.payload,
    results: row.results,
    errorMessage: row.error_message,
    retryCount: row.retry_count,
    maxRetries: row.max_retries,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    nextRetryAt: row.next_retry_at,
    progress: row.progress,
    attempt: row.attempt,
    heartbeatAt: row.heartbeat_at,
    cancelRequestedAt: row.cancel_requested_at,
    idempotencyKey: row.idempotency_key,
    parentId: row.parent_id,
    idempotencyFingerprint: row.idempotency_fingerprint,
    traceParent: row.trace_parent,
    runAt: row.run_at,
    expireAt: row.expire_at,
    timeoutSeconds: row.timeout_seconds,
    dependenciesLeft: row.dependencies_left,
  });
}
