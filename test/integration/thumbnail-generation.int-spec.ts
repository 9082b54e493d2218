import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  PermanentJobError,
  thumbnailGeneration,
  ThumbnailPayload,
  type HandlerContext,
} from '@app/handlers';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import sharp from 'sharp';
import { randomBytes } from 'node:crypto';
import { createHandlerHarness, type HandlerHarness } from '../support/handler-harness';
import { makeTestVideo } from '../support/video-fixture';

describe('thumbnail-generation handler (ffmpeg, sharp, emulator S3)', () => {
  let h: HandlerHarness;
  let video: string;

  beforeAll(async () => {
    h = await createHandlerHarness();
    const bytes = await makeTestVideo({ seconds: 3, width: 640, height: 360 });
    await put('users/alice/videos/clip.mp4', bytes);
    video = `s3://${h.bucket}/users/alice/videos/clip.mp4`;
  });
  afterAll(() => h.close());

  const put = (key: string, body: Buffer) =>
    h.s3.send(new PutObjectCommand({ Bucket: h.bucket, Key: key, Body: body }));

  const fetchObject = async (bucket: string, key: string) => {
    const got = await h.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  };

  const keysUnder = async (bucket: string, prefix: string) => {
    const listed = await h.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => o.Key).sort();
  };

  const run = (payload: ThumbnailPayload, ctx: HandlerContext) =>
    thumbnailGeneration.run(plainToInstance(ThumbnailPayload, payload), ctx);

  const leftoverTempDirs = async (jobId: string) =>
    (await readdir(tmpdir())).filter((name) => name.startsWith(`thumbnails-${jobId}-`));

  it('by default writes three 320 px JPEGs at 25/50/75 % under users/<sub>/thumbnails/<jobId>/, with progress per frame', async () => {
    const { ctx, recorded } = h.context();
    const result = await run({ source: video }, ctx);

    expect(result.durationSeconds).toBe(3);
    expect(result.thumbnails.map((t) => t.key)).toEqual([
      `users/alice/thumbnails/${ctx.jobId}/0.75s-320w.jpg`,
      `users/alice/thumbnails/${ctx.jobId}/1.5s-320w.jpg`,
      `users/alice/thumbnails/${ctx.jobId}/2.25s-320w.jpg`,
    ]);
    expect(recorded.progress).toEqual([33, 67, 100]);
    for (const t of result.thumbnails) {
      expect(t).toMatchObject({ width: 320, height: 180, format: 'jpeg' });
      expect(t.url).toBe(`s3://${h.bucket}/${t.key}`);
      const bytes = await fetchObject(h.bucket, t.key);
      expect(bytes.length).toBe(t.bytes);
      const meta = await sharp(bytes).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 320, height: 180 });
    }
    expect(await leftoverTempDirs(ctx.jobId)).toEqual([]);
  });

  it("takes the specification's { episodeId, videoUrl } and writes under the episode", async () => {
    const { ctx } = h.context();
    const episodeId = '7d0c5e0e-5a4b-4b8e-9a53-2f1f3c1d9e01';
    const result = await run({ episodeId, videoUrl: video, offsetsSeconds: [1] }, ctx);
    expect(result.thumbnails.map((t) => t.key)).toEqual([
      `users/alice/episodes/${episodeId}/thumbnails/1s-320w.jpg`,
    ]);
  });

  it('writes WebP at each requested width, keeping the aspect ratio, to another prefix of the space', async () => {
    const { ctx, recorded } = h.context();
    const result = await run(
      {
        source: video,
        offsetsSeconds: [0.5, 2],
        widths: [100, 1000],
        format: 'webp',
        outputBucket: h.bucket,
        outputPrefix: 'users/alice/ep1/thumbs-',
      },
      ctx,
    );

    expect(await keysUnder(h.bucket, 'users/alice/ep1/')).toEqual([
      'users/alice/ep1/thumbs-0.5s-1000w.webp',
      'users/alice/ep1/thumbs-0.5s-100w.webp',
      'users/alice/ep1/thumbs-2s-1000w.webp',
      'users/alice/ep1/thumbs-2s-100w.webp',
    ]);
    expect(recorded.progress).toEqual([50, 100]);
    for (const t of result.thumbnails) {
      const meta = await sharp(await fetchObject(h.bucket, t.key)).metadata();
      expect(meta.format).toBe('webp');
      expect(meta.width).toBe(t.width);
      expect(meta.height).toBe(Math.round((t.width * 360) / 640));
      expect(t.height).toBe(meta.height);
    }
    expect(result.thumbnails.map((t) => [t.offsetSeconds, t.width])).toEqual([
      [0.5, 100],
      [0.5, 1000],
      [2, 100],
      [2, 1000],
    ]);
  });

  it('grabs a different picture at each offset (the test pattern moves)', async () => {
    const { ctx } = h.context();
    const result = await run({ source: video, offsetsSeconds: [0.2, 2.6], widths: [64] }, ctx);
    const [early, late] = await Promise.all(
      result.thumbnails.map(async (t) =>
        sharp(await fetchObject(h.bucket, t.key))
          .raw()
          .toBuffer(),
      ),
    );
    expect(early.length).toBe(late.length);
    expect(early.equals(late)).toBe(false);
  });

  it('takes the last frame for an offset between the last frame and the stated end', async () => {
    const { ctx } = h.context();
    const result = await run({ source: video, offsetsSeconds: [2.99] }, ctx);
    expect(result.thumbnails).toEqual([
      expect.objectContaining({ offsetSeconds: 2.99, width: 320 }),
    ]);
    expect(await keysUnder(h.bucket, `users/alice/thumbnails/${ctx.jobId}/`)).toEqual([
      `users/alice/thumbnails/${ctx.jobId}/2.99s-320w.jpg`,
    ]);
  });

  it('fails permanently, naming the source, when the object does not exist', async () => {
    const { ctx } = h.context();
    const missing = `s3://${h.bucket}/users/alice/videos/missing.mp4`;
    const error = await run({ source: missing }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toBe(`video ${missing} does not exist (NoSuchKey)`);
    expect(await leftoverTempDirs(ctx.jobId)).toEqual([]);
  });

  it('fails permanently, naming the source, when the file is not a video', async () => {
    await put('users/alice/videos/corrupt.mp4', randomBytes(64 * 1024));
    const { ctx } = h.context();
    const source = `s3://${h.bucket}/users/alice/videos/corrupt.mp4`;
    const error = await run({ source }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toMatch(
      new RegExp(`^${source} is not a readable video \\(.+\\)$`),
    );
    expect(await keysUnder(h.bucket, `users/alice/thumbnails/${ctx.jobId}/`)).toEqual([]);
  });

  it('fails permanently when an offset is past the end, writing nothing', async () => {
    const { ctx } = h.context();
    const error = await run({ source: video, offsetsSeconds: [1, 3, 10] }, ctx).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toBe(
      `offsets 3, 10 s are past the end of ${video} (3 s long)`,
    );
    expect(await keysUnder(h.bucket, `users/alice/thumbnails/${ctx.jobId}/`)).toEqual([]);
  });

  it('stops when its signal is aborted: no further frames, temp files removed', async () => {
    const controller = new AbortController();
    const { ctx: base, recorded } = h.context({ signal: controller.signal });
    const ctx: HandlerContext = {
      ...base,
      progress(percent) {
        base.progress(percent);
        controller.abort('cancelled');
      },
    };
    await expect(run({ source: video, offsetsSeconds: [0.5, 1, 1.5, 2] }, ctx)).rejects.toThrow(
      'thumbnail-generation aborted: cancelled',
    );
    expect(recorded.progress).toEqual([25]);
    expect(await keysUnder(h.bucket, `users/alice/thumbnails/${ctx.jobId}/`)).toEqual([
      `users/alice/thumbnails/${ctx.jobId}/0.5s-320w.jpg`,
    ]);
    expect(await leftoverTempDirs(ctx.jobId)).toEqual([]);
  });

  it('does not start when the signal is already aborted', async () => {
    const { ctx } = h.context({ signal: AbortSignal.abort('shutdown') });
    await expect(run({ source: video }, ctx)).rejects.toThrow(
      'thumbnail-generation aborted: shutdown',
    );
    expect(await keysUnder(h.bucket, `users/alice/thumbnails/${ctx.jobId}/`)).toEqual([]);
  });

  it.each([
    [{ source: 'https://example.com/a.mp4' }, 'source'],
    [{ source: 's3://media/ep1.mp4', widths: [8] }, 'widths'],
    [
      { source: 's3://media/ep1.mp4', widths: Array.from({ length: 11 }, (_, i) => 100 + i) },
      'widths',
    ],
    [{ source: 's3://media/ep1.mp4', offsetsSeconds: [-1] }, 'offsetsSeconds'],
    [{ source: 's3://media/ep1.mp4', format: 'png' }, 'format'],
    [{ source: 's3://media/ep1.mp4', outputBucket: 'Not_A_Bucket' }, 'outputBucket'],
    [{ videoUrl: 's3://media/ep1.mp4', source: 's3://media/ep1.mp4' }, 'source'],
    [{ episodeId: 'ep/1', videoUrl: 's3://media/ep1.mp4' }, 'episodeId'],
    [{ episodeId: '7d0c5e0e-5a4b-4b8e-9a53-2f1f3c1d9e01' }, 'videoUrl'],
  ])('its payload class refuses %j (field %s)', async (plain, field) => {
    const errors = await validate(plainToInstance(ThumbnailPayload, plain), {
      whitelist: true,
      forbidNonWhitelisted: true,
    });
    expect(errors.map((e) => e.property)).toEqual([field]);
  });
});
