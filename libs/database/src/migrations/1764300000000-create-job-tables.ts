import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The specification's three tables and four indexes, plus what the pipeline needs. Every column
 * or constraint that is not in the specification says why on its own line.
 *
 * Deliberate differences from the specification's DDL:
 * - TIMESTAMPTZ instead of TIMESTAMP: a plain TIMESTAMP silently depends on the session time zone.
 * - status, retry_count and max_retries are NOT NULL: a job without them has no defined state.
 * - receipt_handle is TEXT: real SQS receipt handles are longer than 255 characters.
 */
export class CreateJobTables1764300000000 implements MigrationInterface {
  name = 'CreateJobTables1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jobs (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id VARCHAR(255) NOT NULL,
        job_type VARCHAR(50) NOT NULL,
        status VARCHAR(20) NOT NULL DEFAULT 'pending',
        payload JSONB NOT NULL,
        results JSONB,
        error_message TEXT,
        retry_count INT NOT NULL DEFAULT 0,
        max_retries INT NOT NULL DEFAULT 3,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        started_at TIMESTAMPTZ,
        completed_at TIMESTAMPTZ,
        next_retry_at TIMESTAMPTZ,
        -- percent done as reported by the handler, for GET /jobs/:id and the ETA
        progress SMALLINT NOT NULL DEFAULT 0,
        -- incremented by every claim; a write quoting an older attempt matches no row (fencing)
        attempt INT NOT NULL DEFAULT 0,
        -- refreshed while a handler runs; a stale one marks a stalled job whose worker died
        heartbeat_at TIMESTAMPTZ,
        -- set when a processing job is asked to stop; the worker aborts the handler
        cancel_requested_at TIMESTAMPTZ,
        -- client-chosen key that makes POST /jobs safe to retry, unique per user
        idempotency_key VARCHAR(255),
        -- the job that spawned this one (bulk imports create child jobs)
        parent_id UUID,
        CONSTRAINT fk_jobs_parent FOREIGN KEY (parent_id) REFERENCES jobs(id) ON DELETE SET NULL,
        -- the state machine's states, enforced by the database as well
        CONSTRAINT chk_jobs_status CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
        CONSTRAINT chk_jobs_progress CHECK (progress BETWEEN 0 AND 100),
        -- a retry beyond the limit would be a bug in the retry policy
        CONSTRAINT chk_jobs_retries CHECK (retry_count >= 0 AND max_retries >= 0 AND retry_count <= max_retries),
        CONSTRAINT chk_jobs_attempt CHECK (attempt >= 0)
      )`);
    await q.query(`CREATE INDEX idx_jobs_user_id_status ON jobs(user_id, status)`);
    await q.query(`CREATE INDEX idx_jobs_status_created ON jobs(status, created_at)`);
    await q.query(
      `CREATE INDEX idx_jobs_next_retry ON jobs(next_retry_at) WHERE status = 'failed'`,
    );
    await q.query(`CREATE INDEX idx_jobs_type ON jobs(job_type)`);
    // a user's list, newest first, without a sort
    await q.query(`CREATE INDEX idx_jobs_user_created ON jobs(user_id, created_at DESC, id DESC)`);
    // the stall sweep scans only running jobs by heartbeat age
    await q.query(
      `CREATE INDEX idx_jobs_stalled ON jobs(heartbeat_at) WHERE status = 'processing'`,
    );
    // children of an import, and ON DELETE SET NULL without a sequential scan
    await q.query(`CREATE INDEX idx_jobs_parent_id ON jobs(parent_id) WHERE parent_id IS NOT NULL`);
    await q.query(
      `CREATE UNIQUE INDEX uq_jobs_user_idempotency_key ON jobs(user_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE queue_messages (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        -- ON DELETE CASCADE: retention clean-up deletes a job with its messages in one statement
        job_id UUID,
        queue_url VARCHAR(500),
        message_id VARCHAR(255),
        receipt_handle TEXT,
        attempt INT DEFAULT 1,
        created_at TIMESTAMPTZ DEFAULT now(),
        processed_at TIMESTAMPTZ,
        deleted_at TIMESTAMPTZ,
        -- outbox: NULL until the relay has handed the message to SQS
        sent_at TIMESTAMPTZ,
        -- outbox: how often a send failed, and why the last one did (shown to operators)
        send_attempts INT NOT NULL DEFAULT 0,
        last_send_error TEXT,
        CONSTRAINT fk_queue_messages_job FOREIGN KEY (job_id) REFERENCES jobs(id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX idx_queue_messages_processed ON queue_messages(processed_at)`);
    // the relay looks only at unsent rows, oldest first
    await q.query(
      `CREATE INDEX idx_queue_messages_unsent ON queue_messages(created_at) WHERE sent_at IS NULL`,
    );
    await q.query(`CREATE INDEX idx_queue_messages_job_id ON queue_messages(job_id)`);

    await q.query(`
      CREATE TABLE job_metrics (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        -- ON DELETE SET NULL: trends outlive the clean-up of the jobs they measured
        job_id UUID,
        metric_type VARCHAR(50),
        metric_value FLOAT,
        recorded_at TIMESTAMPTZ DEFAULT now(),
        -- copied from the job so per-type trends need no join and survive clean-up
        job_type VARCHAR(50),
        -- which attempt of the job was measured
        attempt INT,
        CONSTRAINT fk_job_metrics_job FOREIGN KEY (job_id) REFERENCES jobs(id) ON DELETE SET NULL
      )`);
    await q.query(`CREATE INDEX idx_metrics_type_time ON job_metrics(metric_type, recorded_at)`);
    await q.query(`CREATE INDEX idx_job_metrics_job_id ON job_metrics(job_id)`);

    // a job's execution log lines, from the worker, Lambda and the api
    await q.query(`
      CREATE TABLE job_logs (
        id BIGSERIAL PRIMARY KEY,
        job_id UUID NOT NULL,
        level VARCHAR(10) NOT NULL,
        message TEXT NOT NULL,
        source VARCHAR(20) NOT NULL,
        attempt INT,
        -- clock_timestamp(): lines written in one transaction still sort in the order they happened
        created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT fk_job_logs_job FOREIGN KEY (job_id) REFERENCES jobs(id) ON DELETE CASCADE,
        CONSTRAINT chk_job_logs_level CHECK (level IN ('debug', 'info', 'warn', 'error')),
        CONSTRAINT chk_job_logs_source CHECK (source IN ('api', 'worker', 'lambda', 'system'))
      )`);
    await q.query(`CREATE INDEX idx_job_logs_job_time ON job_logs(job_id, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_logs`);
    await q.query(`DROP TABLE job_metrics`);
    await q.query(`DROP TABLE queue_messages`);
    await q.query(`DROP TABLE jobs`);
  }
}
