/** Columns every RETURNING and SELECT of a whole job lists, in table order. */
export const JOB_COLUMNS = `id, user_id, job_type, status, payload, results, error_message, retry_count,
  max_retries, created_at, started_at, completed_at, next_retry_at, progress, attempt, heartbeat_at,
  cancel_requested_at, idempotency_key, parent_id, idempotency_fingerprint, trace_parent, run_at, expire_at, timeout_seconds,
  dependencies_left`;

/** JOB_COLUMNS of the alias `j`, for statements that join jobs to something else. */
export const J_JOB_COLUMNS = JOB_COLUMNS.split(',')
  .map((c) => `j.${c.trim()}`)
  .join(', ');
