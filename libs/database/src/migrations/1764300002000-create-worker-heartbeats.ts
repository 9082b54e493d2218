import type { MigrationInterface, QueryRunner } from 'typeorm';

/** worker_heartbeats: lets the api's /health say whether any worker is alive (and how busy). */
export class CreateWorkerHeartbeats1764300002000 implements MigrationInterface {
  name = 'CreateWorkerHeartbeats1764300002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE worker_heartbeats (
        worker_id VARCHAR(255) PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        in_flight INT NOT NULL DEFAULT 0
      )`);
    await q.query(
      `CREATE INDEX idx_worker_heartbeats_last_seen ON worker_heartbeats(last_seen_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE worker_heartbeats`);
  }
}
