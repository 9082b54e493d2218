import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  bulkImport,
  type HandlerContext,
  JOB_CATALOGUE,
  PermanentJobError,
  StorageScope,
  thumbnailGeneration,
  ThumbnailPayload,
} from '@app/handlers';
import { SqlJobSink } from '@app/jobs/sql';
import { plainToInstance } from 'class-transformer';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
} from '../e2e/support/api-fixture';
import { createHandlerHarness, type HandlerHarness } from '../support/handler-harness';

/** What must never leave an object: it stands for another user's data. */
const SECRET = 'SECRET-7f3a9c';

describe('security: a job reads and writes S3 only in its owner’s space (submission)', () => {
  let fx: ApiFixture;
  beforeAll(async () => {
    fx = await createApiFixture();
  });
  afterAll(() => fx.close());
  afterEach(async () => {
    expect(await fx.count('jobs')).toBe(0);
    expect(await fx.count('queue_messages')).toBe(0);
  });

  const submit = (sub: string, jobType: string, payload: object, roles: string[] = []) =>
    fx
      .http()
      .post('/api/v1/jobs')
      .set(bearer(fx.token(sub, roles)))
      .send({ jobType, payload });

  const ALICE_SPACE = 's3://jobqueue-media/users/alice/';

  it.each([
    ['another user’s video', { videoUrl: 's3://jobqueue-media/users/bob/private.mp4' }, 'videoUrl'],
    ['the old field name', { source: 's3://jobqueue-media/users/bob/private.mp4' }, 'source'],
    ['another bucket', { videoUrl: 's3://other-bucket/users/alice/v.mp4' }, 'videoUrl'],
    ['a dot-dot key', { videoUrl: 's3://jobqueue-media/users/alice/../bob/v.mp4' }, 'videoUrl'],
    ['a look-alike user', { videoUrl: 's3://jobqueue-media/users/alice2/v.mp4' }, 'videoUrl'],
    [
      'thumbnails over another user’s keys',
      {
        videoUrl: 's3://jobqueue-media/users/alice/v.mp4',
        outputPrefix: 'users/bob/avatars/',
      },
      'outputPrefix',
    ],
    [
      'thumbnails into another bucket',
      { videoUrl: 's3://jobqueue-media/users/alice/v.mp4', outputBucket: 'other-bucket' },
      'outputBucket',
    ],
  ])(
    'refuses a thumbnail job naming %s: 400 naming the field and the allowed place',
    async (_what, payload, field) => {
      const res = await submit('alice', 'thumbnail-generation', payload);
      expect(res.status).toBe(400);
      expect(body<ErrorBody>(res).error).toMatchObject({
        code: 'JOB_PAYLOAD_INVALID',
        details: [
          { field: `payload.${field}`, message: `payload.${field} must be under ${ALICE_SPACE}` },
        ],
      });
    },
  );

  it('refuses a bulk import of another user’s manifest', async () => {
    const res = await submit('alice', 'bulk-import', {
      source: 's3://jobqueue-media/users/bob/import.jsonl',
    });
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error.details).toEqual([
      { field: 'payload.source', message: `payload.source must be under ${ALICE_SPACE}` },
    ]);
  });

  it('gives an admin no wider space', async () => {
    const res = await submit(
      'root',
      'thumbnail-generation',
      { videoUrl: 's3://jobqueue-media/users/bob/private.mp4' },
      ['admin'],
    );
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error.details[0].message).toBe(
      'payload.videoUrl must be under s3://jobqueue-media/users/root/',
    );
  });

  it('refuses a whole batch when one job names another user’s object', async () => {
    const res = await fx
      .http()
      .post('/api/v1/jobs/batch')
      .set(bearer(fx.token('alice')))
      .send({
        jobs: [
          { jobType: 'echo', payload: {} },
          {
            jobType: 'thumbnail-generation',
            payload: { videoUrl: 's3://jobqueue-media/users/bob/private.mp4' },
          },
        ],
      });
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error.details).toEqual([
      {
        field: 'jobs.1.payload.videoUrl',
        message: `jobs.1.payload.videoUrl must be under ${ALICE_SPACE}`,
      },
    ]);
  });
});

describe('security: the handlers check the owner’s space again, and never quote an object', () => {
  let h: HandlerHarness;
  /** Every S3 command a handler sent, by name. */
  let sent: string[];

  beforeAll(async () => {
    h = await createHandlerHarness({
      jobs: (harness) =>
        new SqlJobSink(harness.services.sql, {
          catalogue: JOB_CATALOGUE.withStorage(new StorageScope(harness.services.settings.storage)),
          queues: [
            'http://127.0.0.1:1/000000000000/unused',
            'http://127.0.0.1:1/000000000000/unused',
          ],
          maxRetries: 1,
        }),
    });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    sent = [];
  });

  /** h.s3, recording what it is asked to do. */
  const recordingS3 = (): S3Client =>
    new Proxy(h.s3, {
      get(target, prop, receiver) {
        if (prop === 'send')
          return (command: { constructor: { name: string } }, ...rest: unknown[]) => {
            sent.push(command.constructor.name);
            return (target.send as (...a: unknown[]) => unknown).call(target, command, ...rest);
          };
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });

  const put = (key: string, text: string) =>
    h.s3.send(new PutObjectCommand({ Bucket: h.bucket, Key: key, Body: text }));

  /** A job row of `user` written directly (not through the api's check). */
  async function jobRow(user: string, jobType: string): Promise<string> {
    const [row] = await h.services.sql.query<{ id: string }>(
      `INSERT INTO jobs (user_id, job_type, payload, status, attempt, started_at)
       VALUES ($1, $2, '{}', 'processing', 1, now()) RETURNING id`,
      [user, jobType],
    );
    return row.id;
  }

  const context = (jobId: string, userId: string, jobType: string): HandlerContext =>
    h.context({ jobId, userId, jobType, services: { ...h.services, s3: recordingS3() } }).ctx;

  const children = async (parentId: string) =>
    (
      await h.services.sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM jobs WHERE parent_id = $1',
        [parentId],
      )
    )[0].n;

  it('a bulk import of another user’s manifest fails before reading it, quoting nothing', async () => {
    await put('users/bob/secrets.csv', `jobType,payload\n${SECRET},{}\n`);
    const id = await jobRow('alice', 'bulk-import');
    const error = (await bulkImport
      .run(
        { source: `s3://${h.bucket}/users/bob/secrets.csv` },
        context(id, 'alice', 'bulk-import'),
      )
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error.message).toBe(`payload.source must be under s3://${h.bucket}/users/alice/`);
    expect(sent).toEqual([]);
    expect(await children(id)).toBe(0);
  });

  it('a thumbnail job cannot write over another user’s keys, nor read their video', async () => {
    await put('users/bob/avatars/0.5s-320w.jpg', SECRET);
    const id = await jobRow('alice', 'thumbnail-generation');
    for (const payload of [
      { videoUrl: `s3://${h.bucket}/users/alice/v.mp4`, outputPrefix: 'users/bob/avatars/' },
      { videoUrl: `s3://${h.bucket}/users/bob/private.mp4` },
    ]) {
      await expect(
        thumbnailGeneration.run(
          plainToInstance(ThumbnailPayload, payload),
          context(id, 'alice', 'thumbnail-generation'),
        ),
      ).rejects.toThrow(PermanentJobError);
    }
    expect(sent).toEqual([]);
    const kept = await h.s3.send(
      new GetObjectCommand({ Bucket: h.bucket, Key: 'users/bob/avatars/0.5s-320w.jpg' }),
    );
    expect(await kept.Body!.transformToString()).toBe(SECRET);
  });

  it('a child of an import naming another user’s object is refused, saying where it may point', async () => {
    await put(
      'users/alice/children.jsonl',
      JSON.stringify({
        jobType: 'thumbnail-generation',
        payload: { videoUrl: `s3://${h.bucket}/users/bob/private.mp4` },
      }) + '\n',
    );
    const id = await jobRow('alice', 'bulk-import');
    const result = await bulkImport.run(
      { source: `s3://${h.bucket}/users/alice/children.jsonl` },
      context(id, 'alice', 'bulk-import'),
    );
    expect(result.rejectedLines).toEqual([
      {
        line: 1,
        reason: `Invalid payload for "thumbnail-generation": payload.videoUrl must be under s3://${h.bucket}/users/alice/`,
      },
    ]);
    expect(await children(id)).toBe(0);
  });

  it('the import’s result and errors never quote the manifest’s bytes', async () => {
    await put(
      'users/alice/bad.jsonl',
      [
        `{oops ${SECRET}`,
        `["${SECRET}"]`,
        JSON.stringify({ jobType: SECRET, payload: {} }),
        JSON.stringify({ jobType: 'echo', payload: { [SECRET]: 1 } }),
      ].join('\n'),
    );
    await put('users/alice/header.csv', `${SECRET},payload\necho,{}\n`);
    await put('users/alice/quotes.csv', `jobType,payload\necho,"{}"${SECRET}\n`);
    const id = await jobRow('alice', 'bulk-import');
    const ctx = context(id, 'alice', 'bulk-import');
    const result = await bulkImport.run({ source: `s3://${h.bucket}/users/alice/bad.jsonl` }, ctx);
    expect(result.rejected).toBe(4);
    const failures = await Promise.all(
      ['header.csv', 'quotes.csv'].map((key) =>
        bulkImport
          .run({ source: `s3://${h.bucket}/users/alice/${key}` }, ctx)
          .then(() => new Error('imported'))
          .catch((e: unknown) => e as Error),
      ),
    );
    expect(failures.every((e) => e instanceof PermanentJobError)).toBe(true);
    const told = JSON.stringify([result, failures.map((e) => e.message)]);
    expect(told).not.toContain(SECRET);
    expect(told).not.toContain('oops');
  });
});
