import type { ChildJobInput, JobSink, SqlClient } from '../handler-context';
import type { JobCatalogue } from '../job-catalogue';

export interface SqlJobSinkOptions {
  /** Job types children may have (JOB_CATALOGUE, with the storage scope). */
  catalogue: JobCatalogue;
  /** The work queue's URL, written into each child's outbox row (SQS_QUEUE_URL). */
  queueUrl: string;
  /** max_retries of every child (MAX_JOB_RETRIES). */
  maxRetries: number;
}

/**
 * The JobSink of a Lambda function, over plain SQL: no Nest, no TypeORM. Children are written
 * with their outbox rows (queue_messages, sent_at NULL) in one transaction; the worker's outbox
 * relay sends them to SQS. Children are validated by the catalogue, as the worker's sink does.
 */
export class SqlJobSink implements JobSink {
  constructor(
    private readonly sql: SqlClient,
    private readonly options: SqlJobSinkOptions,
  ) {}

  validate(owner: string, jobType: string, payload: unknown): string | null {
    return this.options.catalogue.childRefusal(jobType, payload, owner);
  }

  /**
   * One INSERT for the jobs (keys already used by the parent's user are skipped: ON CONFLICT DO
   * NOTHING on the (user_id, idempotency_key) index) and one for the outbox rows of those created.
   * Throws when a child is invalid: callers validate first.
   */
  async createChildren(
    parent: { id: string; userId: string },
    children: readonly ChildJobInput[],
  ): Promise<number> {
    if (children.length === 0) return 0;
    const payloads = this.options.catalogue
      .childPayloads(children, parent.userId)
      .map((p) => JSON.stringify(p));
    return this.sql.transaction(async (tx) => {
      const created = await tx.query<{ id: string }>(
        `INSERT INTO jobs (user_id, job_type, payload, max_retries, idempotency_key, parent_id)
         SELECT $1, job_type, payload, $2, idempotency_key, $3
         FROM unnest($4::varchar[], $5::jsonb[], $6::varchar[]) WITH ORDINALITY
           AS c(job_type, payload, idempotency_key, n)
         ORDER BY n
         ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id`,
        [
          parent.userId,
          this.options.maxRetries,
          parent.id,
          children.map((c) => c.jobType),
          payloads,
          children.map((c) => c.idempotencyKey),
        ],
      );
      if (created.length > 0) {
        await tx.query(
          `INSERT INTO queue_messages (job_id, queue_url, attempt)
           SELECT job_id, $1, 1 FROM unnest($2::uuid[]) AS c(job_id)`,
          [this.options.queueUrl, created.map((c) => c.id)],
        );
      }
      return created.length;
    });
  }
}
