import type { MigrationInterface, QueryRunner } from 'typeorm';

/** current_tx(): the transaction id as a bigint (BRIN has no operator class for xid8). */
const TX = `current_tx()`;

/**
 * The statement's notification: which rows of `kind` ('e' job_events, 'l' job_logs) this
 * transaction (t) wrote between ids lo and hi, and (x) the oldest other transaction running
 * before commit, or the next to start: every transaction that commits after this one has an id
 * >= x, which is what a stream resumes from (see StreamPosition in JobEventsRepository).
 */
const NOTIFY = (kind: 'e' | 'l') => `
  IF span.lo IS NOT NULL THEN
    SELECT COALESCE((SELECT min(r) FROM pg_snapshot_xip(s) r WHERE r <> pg_current_xact_id()),
      pg_snapshot_xmax(s)) INTO others
    FROM pg_current_snapshot() s;
    PERFORM pg_notify('job_events', json_build_object('k', '${kind}', 't', ${TX}::text,
      'x', others::text, 'lo', span.lo, 'hi', span.hi)::text);
  END IF;`;

/** Nothing is recorded unless an api instance streams events (or did within its resume window). */
const UNLESS_LISTENED = `
  IF NOT EXISTS (SELECT 1 FROM event_listeners WHERE expires_at > now()) THEN
    RETURN NULL;
  END IF;`;

/**
 * Live job events, fed by the transitions themselves: statement-level triggers on jobs (insert
 * and update) and job_logs (insert) record what changed and NOTIFY the api instances, which
 * stream it (GET /api/v1/jobs/events). Only while some instance has streams open (a row in
 * event_listeners, renewed while it streams): a deployment nobody watches pays one lookup of
 * a small table per statement, not a row and a NOTIFY per transition.
 *
 * job_events is a short history for resuming a stream (Last-Event-ID), pruned by time: no
 * foreign key (a job deleted by the clean-up keeps its last events until they age out) and no
 * B-tree beyond the identity key (one BRIN over the transaction id and the time).
 */
export class AddJobEvents1764300010000 implements MigrationInterface {
  name = 'AddJobEvents1764300010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE FUNCTION current_tx() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
       AS 'SELECT pg_current_xact_id()::text::bigint'`,
    );
    await q.query(`
      CREATE TABLE event_listeners (
        instance_id VARCHAR(100) PRIMARY KEY,
        expires_at TIMESTAMPTZ NOT NULL
      )`);
    await q.query(`
      CREATE TABLE job_events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tx BIGINT NOT NULL DEFAULT ${TX},
        job_id UUID NOT NULL,
        user_id VARCHAR(255) NOT NULL,
        job_type VARCHAR(50) NOT NULL,
        kind VARCHAR(10) NOT NULL,
        status VARCHAR(20) NOT NULL,
        attempt INT NOT NULL,
        progress INT NOT NULL,
        error_message TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT chk_job_events_kind CHECK (kind IN ('status', 'progress'))
      )`);
    await q.query(
      `CREATE INDEX idx_job_events_tx_time ON job_events USING brin (tx, created_at)
       WITH (autosummarize = on)`,
    );
    await q.query(`ALTER TABLE job_logs ADD COLUMN tx BIGINT NOT NULL DEFAULT ${TX}`);

    await q.query(`
      CREATE FUNCTION record_job_events() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE span record; others xid8;
      BEGIN
        ${UNLESS_LISTENED}
        IF TG_OP = 'INSERT' THEN
          WITH written AS (
            INSERT INTO job_events (job_id, user_id, job_type, kind, status, attempt, progress)
            SELECT id, user_id, job_type, 'status', status, attempt, progress FROM new_jobs ORDER BY id
            RETURNING id)
          SELECT min(id) AS lo, max(id) AS hi INTO span FROM written;
        ELSE
          WITH written AS (
            INSERT INTO job_events (job_id, user_id, job_type, kind, status, attempt, progress, error_message)
            SELECT n.id, n.user_id, n.job_type,
              CASE WHEN n.status <> o.status OR n.attempt <> o.attempt THEN 'status' ELSE 'progress' END,
              n.status, n.attempt, n.progress,
              CASE WHEN n.status IN ('failed', 'cancelled') THEN n.error_message END
            FROM new_jobs n JOIN old_jobs o USING (id)
            WHERE n.status <> o.status OR n.attempt <> o.attempt OR n.progress <> o.progress
            ORDER BY n.id
            RETURNING id)
          SELECT min(id) AS lo, max(id) AS hi INTO span FROM written;
        END IF;
        ${NOTIFY('e')}
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER jobs_record_events_insert AFTER INSERT ON jobs
      REFERENCING NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION record_job_events()`);
    await q.query(`
      CREATE TRIGGER jobs_record_events_update AFTER UPDATE ON jobs
      REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
      FOR EACH STATEMENT EXECUTE FUNCTION record_job_events()`);

    await q.query(`
      CREATE FUNCTION notify_job_logs() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE span record; others xid8;
      BEGIN
        ${UNLESS_LISTENED}
        SELECT min(id) AS lo, max(id) AS hi INTO span FROM new_logs;
        ${NOTIFY('l')}
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER job_logs_notify AFTER INSERT ON job_logs
      REFERENCING NEW TABLE AS new_logs FOR EACH STATEMENT EXECUTE FUNCTION notify_job_logs()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER job_logs_notify ON job_logs`);
    await q.query(`DROP FUNCTION notify_job_logs()`);
    await q.query(`DROP TRIGGER jobs_record_events_update ON jobs`);
    await q.query(`DROP TRIGGER jobs_record_events_insert ON jobs`);
    await q.query(`DROP FUNCTION record_job_events()`);
    await q.query(`ALTER TABLE job_logs DROP COLUMN tx`);
    await q.query(`DROP TABLE job_events`);
    await q.query(`DROP TABLE event_listeners`);
    await q.query(`DROP FUNCTION current_tx()`);
  }
}
