// No Nest or TypeORM import: the Lambda functions' SqlJobSink runs this statement too.
import type { SqlStatement } from '@app/database';
import { J_JOB_COLUMNS, JOB_COLUMNS } from './job-columns';

/** One job to write, with its owner and its defaults filled in. */
export interface SubmitRow {
  userId: string;
  jobType: string;
  payload: unknown;
  maxRetries: number;
  idempotencyKey: string | null;
  parentId: string | null;
  /** SHA-256 of the request that asked for it (the api's Idempotency-Key check), or null. */
  fingerprint: string | null;
  /** W3C traceparent of the submitting span; null when tracing is off (activeTraceParent). */
  traceParent: string | null;
  /** When it becomes due (ISO time); with `delaySeconds`, that many seconds from the database's now. */
  runAt?: string | null;
  delaySeconds?: number | null;
  /** No attempt starts after this (ISO time). */
  expireAt?: string | null;
  /** Per-attempt time limit instead of the type's. */
  timeoutSeconds?: number | null;
  /**
   * Dependencies not completed yet (the caller locked them and writes the edges in the same
   * transaction); above 0 the job is created waiting: pending with no outbox row.
   */
  dependenciesLeft?: number;
}

const J = J_JOB_COLUMNS;

/**
 * ONE statement (atomic without a transaction) that inserts the jobs and the first outbox message
 * of each job it created, and returns, for every input row `n` (1-based), either the job it
 * created or the job that already holds the row's (user, idempotency key):
 * - created: the row of `inserted` (ids are drawn in `input` so rows map back to their input);
 * - a key repeated within the statement: the job of its first occurrence. Rows insert in key
 *   order, then input order: two statements sharing keys take them in the same order (no
 *   deadlock), and the first occurrence of a key is the one inserted;
 * - a key used before the statement began: that job, looked up by the unique index.
 * A key that a concurrent statement committed after this one began is skipped by ON CONFLICT but
 * not visible to this statement's snapshot: such an input returns no row; run it again.
 *
 * A job due later (run_at after the database's now) gets an outbox row with not_before = run_at,
 * which the relay holds back until then (QueueMessagesRepository.relayBatch). A job waiting for
 * dependencies (dependenciesLeft > 0) gets none: the completion of its last dependency writes it.
 */
export function submitStatement(rows: readonly SubmitRow[], queueUrl: string): SqlStatement {
  return {
    text: `WITH input AS MATERIALIZED (
       SELECT gen_random_uuid() AS id, i.*
       FROM unnest($1::varchar[], $2::varchar[], $3::jsonb[], $4::int[], $5::varchar[], $6::uuid[], $7::char(64)[], $9::varchar[],
                   $10::timestamptz[], $11::int[], $12::timestamptz[], $13::int[], $14::int[])
         WITH ORDINALITY AS i(user_id, job_type, payload, max_retries, idempotency_key, parent_id, fingerprint, trace_parent,
                              run_at, delay_seconds, expire_at, timeout_seconds, dependencies_left, n)
     ), inserted AS (
       INSERT INTO jobs (id, user_id, job_type, payload, max_retries, idempotency_key, parent_id, idempotency_fingerprint, trace_parent,
                         run_at, expire_at, timeout_seconds, dependencies_left)
       SELECT id, user_id, job_type, payload, max_retries, idempotency_key, parent_id, fingerprint, trace_parent,
              COALESCE(run_at, now() + make_interval(secs => delay_seconds)), expire_at, timeout_seconds,
              COALESCE(dependencies_left, 0)
       FROM input ORDER BY user_id, idempotency_key, n
       ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${JOB_COLUMNS}
     ), announced AS (
       INSERT INTO queue_messages (job_id, queue_url, attempt, not_before)
       SELECT s.id, $8::varchar, 1, CASE WHEN s.run_at > now() THEN s.run_at END
       FROM inserted s JOIN input i USING (id) WHERE COALESCE(i.dependencies_left, 0) = 0
     )
     SELECT i.n::int AS n, true AS created, s.* FROM input i JOIN inserted s ON s.id = i.id
     UNION ALL
     SELECT i.n::int, false, s.* FROM input i JOIN inserted s
       ON s.user_id = i.user_id AND s.idempotency_key = i.idempotency_key AND s.id <> i.id
     UNION ALL
     SELECT i.n::int, false, j.* FROM input i CROSS JOIN LATERAL (
       SELECT ${J} FROM jobs j WHERE j.user_id = i.user_id AND j.idempotency_key = i.idempotency_key LIMIT 1
     ) j WHERE i.idempotency_key IS NOT NULL`,
    params: [
      rows.map((r) => r.userId),
      rows.map((r) => r.jobType),
      rows.map((r) => JSON.stringify(r.payload)),
      rows.map((r) => r.maxRetries),
      rows.map((r) => r.idempotencyKey),
      rows.map((r) => r.parentId),
      rows.map((r) => r.fingerprint),
      queueUrl,
      rows.map((r) => r.traceParent),
      rows.map((r) => r.runAt ?? null),
      rows.map((r) => r.delaySeconds ?? null),
      rows.map((r) => r.expireAt ?? null),
      rows.map((r) => r.timeoutSeconds ?? null),
      rows.map((r) => r.dependenciesLeft ?? 0),
    ],
  };
}
