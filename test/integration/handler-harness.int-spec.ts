import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHandlerHarness, type HandlerHarness } from '../support/handler-harness';

describe('handler harness (real S3 emulator and PostgreSQL)', () => {
  let h: HandlerHarness;
  beforeAll(async () => (h = await createHandlerHarness()));
  afterAll(() => h.close());

  it('round-trips an object through the emulator S3 and a query through the pool', async () => {
    await h.s3.send(new PutObjectCommand({ Bucket: h.bucket, Key: 'a/b.txt', Body: 'hello' }));
    const got = await h.s3.send(new GetObjectCommand({ Bucket: h.bucket, Key: 'a/b.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello');
    expect(
      await h.services.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs'),
    ).toEqual([{ n: 0 }]);
  });

  it('rolls a failed transaction back', async () => {
    await expect(
      h.services.sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO jobs (user_id, job_type, payload) VALUES ('u', 't', '{}')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(
      await h.services.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs'),
    ).toEqual([{ n: 0 }]);
  });
});
