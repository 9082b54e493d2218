import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * jobs.claim_id: which claim statement of a worker took the current attempt. A worker whose
 * claim timed out tries again and must learn which rows the lost try committed anyway; held_by
 * alone cannot tell them from rows another receive loop of the same worker claimed meanwhile
 * (a duplicate message of the same job), which the retry would then run a second time. Not
 * indexed: it is read only for the ids a claim lists, through the primary key.
 */
export class AddClaimId1764300009000 implements MigrationInterface {
  name = 'AddClaimId1764300009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN claim_id UUID`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP COLUMN claim_id`);
  }
}
