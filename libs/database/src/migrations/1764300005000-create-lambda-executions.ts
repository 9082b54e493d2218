import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * lambda_executions: one row per Lambda invocation of a job attempt. Event (fire-and-forget)
 * invocations report their outcome here, since Lambda returns nothing to the caller for them.
 */
export class CreateLambdaExecutions1764300005000 implements MigrationInterface {
  name = 'CreateLambdaExecutions1764300005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lambda_executions (
        id BIGSERIAL PRIMARY KEY,
        -- ON DELETE CASCADE: retention clean-up of a job takes its executions with it
        job_id UUID NOT NULL,
        attempt INT NOT NULL,
        function_name VARCHAR(64) NOT NULL,
        invocation_type VARCHAR(20) NOT NULL,
        request_id VARCHAR(100),
        status VARCHAR(20) NOT NULL DEFAULT 'running',
        result JSONB,
        error JSONB,
        log_tail TEXT,
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        finished_at TIMESTAMPTZ,
        CONSTRAINT fk_lambda_executions_job FOREIGN KEY (job_id) REFERENCES jobs(id) ON DELETE CASCADE,
        CONSTRAINT chk_lambda_executions_status CHECK (status IN ('running', 'succeeded', 'failed')),
        CONSTRAINT chk_lambda_executions_invocation_type CHECK (invocation_type IN ('RequestResponse', 'Event'))
      )`);
    // waitForCompletion polls by job and attempt
    await q.query(
      `CREATE INDEX idx_lambda_executions_job_attempt ON lambda_executions(job_id, attempt)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE lambda_executions`);
  }
}
