import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * POST /jobs with an `Idempotency-Key`: the same key with the same body returns the job it
 * created, the same key with another body is refused (422). To tell the two apart, the job keeps
 * the SHA-256 of the request that created it.
 */
export class AddIdempotencyFingerprint1764300001000 implements MigrationInterface {
  name = 'AddIdempotencyFingerprint1764300001000';

  async up(q: QueryRunner): Promise<void> {
    // hex SHA-256 of the canonical request body; set only together with idempotency_key
    await q.query(`ALTER TABLE jobs ADD COLUMN idempotency_fingerprint CHAR(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP COLUMN idempotency_fingerprint`);
  }
}
