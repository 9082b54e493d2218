// No Nest or TypeORM import: a Lambda function's bundle runs this (apps/functions).
import type { ChildJobInput, JobCatalogue, JobSink, SqlClient } from '@app/handlers';
import { activeTraceParent } from '@app/tracing';
import type { LaneQueues } from './job-lane';
import { submitStatement } from './submit-statement';

export interface SqlJobSinkOptions {
  /** Job types children may have (JOB_CATALOGUE, with the storage scope). */
  catalogue: JobCatalogue;
  /**
   * The work queue and the priority lane (laneQueues of SQS_QUEUE_URL, SQS_PRIORITY_QUEUE_URL):
   * children are ordinary (priority 0), so they go to the work queue; the statement chooses.
   */
  queues: LaneQueues;
  /** max_retries of every child (MAX_JOB_RETRIES). */
  maxRetries: number;
}

/**
 * The JobSink of a Lambda function, over plain SQL: children go through the same statement as
 * every submission (submitStatement: the jobs, their outbox rows and the idempotency check in
 * one statement), run on the function's own SqlClient; the worker's outbox relay sends them.
 * Children are validated by the catalogue, as the worker's sink does.
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
   * Writes the children and returns how many were created: a child whose idempotency key its
   * user used already (a retried import) is not created again. Throws when a child is invalid:
   * callers validate first.
   */
  async createChildren(
    parent: { id: string; userId: string },
    children: readonly ChildJobInput[],
  ): Promise<number> {
    if (children.length === 0) return 0;
    const payloads = this.options.catalogue.childPayloads(children, parent.userId);
    const traceParent = activeTraceParent(); // the function's handler span: children join its trace
    const statement = submitStatement(
      children.map((c, i) => ({
        userId: parent.userId,
        jobType: c.jobType,
        payload: payloads[i],
        maxRetries: this.options.maxRetries,
        idempotencyKey: c.idempotencyKey,
        parentId: parent.id,
        fingerprint: null,
        traceParent,
      })),
      this.options.queues,
    );
    const rows = await this.sql.query<{ created: boolean }>(statement.text, statement.params);
    return rows.filter((r) => r.created).length;
  }
}
