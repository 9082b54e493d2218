import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * jobs.trace_parent: the W3C `traceparent` of the span that submitted the job (the api's request
 * span, or the handler of a parent job), so every attempt's spans in the worker or in a Lambda
 * function join the submitter's trace, whatever became of the SQS message. NULL whenever tracing
 * is off: no index, never read in a WHERE clause, 55 characters (version 00) when set.
 */
export class AddJobTraceParent1764300011000 implements MigrationInterface {
  name = 'AddJobTraceParent1764300011000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN trace_parent VARCHAR(55)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP COLUMN trace_parent`);
  }
}
