import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { HandlerContext, HandlerDefinition } from '../handler-context';
import { awsFailure } from '../owner-error';
import { PermanentJobError } from '../permanent-job-error';
import { openS3Object, sourceLocation } from '../s3/open-s3-object';
import { stopIfAborted } from '../stop-if-aborted';
import { formatS3Url, type S3Location } from '../s3/s3-url';
import { requireOwned } from '../s3/storage-scope';
import { evenlySpacedOffsets, extractFrame, probe, roundMs } from './ffmpeg';
import {
  type Thumbnail,
  type ThumbnailFormat,
  ThumbnailPayload,
  type ThumbnailResult,
  thumbnailStorage,
  videoOf,
} from './thumbnail.payload';

const DEFAULT_WIDTHS = [320];
const DEFAULT_FRAME_COUNT = 3;
const EXTENSION: Record<ThumbnailFormat, string> = { jpeg: 'jpg', webp: 'webp' };
const CONTENT_TYPE: Record<ThumbnailFormat, string> = { jpeg: 'image/jpeg', webp: 'image/webp' };

/** Where a thumbnail goes: `<prefix><offset>s-<width>w.<jpg|webp>`, e.g. `thumbnails/<jobId>/1.5s-320w.jpg`. */
export function thumbnailKey(
  prefix: string,
  offsetSeconds: number,
  width: number,
  format: ThumbnailFormat,
): string {
  return `${prefix}${offsetSeconds}s-${width}w.${EXTENSION[format]}`;
}

type Sharp = typeof import('sharp');
let sharpModule: Promise<Sharp> | undefined;
/** sharp loads libvips; only processes that make thumbnails pay for it. */
const loadSharp = (): Promise<Sharp> => (sharpModule ??= import('sharp'));

/**
 * Grabs frames of an S3 video with ffmpeg and writes them, resized with sharp, back to S3. The
 * video is copied to a per-job temp folder first (mp4 needs a seekable input), removed at the end.
 */
async function generateThumbnails(
  payload: ThumbnailPayload,
  ctx: HandlerContext,
): Promise<ThumbnailResult> {
  stopIfAborted(ctx.signal, 'thumbnail-generation');
  const url = videoOf(payload);
  const source = sourceLocation(url);
  const scope = requireOwned(ctx, thumbnailStorage(payload));
  const format = payload.format ?? 'jpeg';
  const widths = payload.widths ?? DEFAULT_WIDTHS;
  const bucket = payload.outputBucket ?? source.bucket;
  const prefix = payload.outputPrefix ?? defaultPrefix(scope.prefixFor(ctx.userId), payload, ctx);
  const dir = await mkdtemp(join(tmpdir(), `thumbnails-${ctx.jobId}-`));
  try {
    const video = join(dir, 'source');
    await download(ctx, source, video);
    const info = await probe(video, ctx.signal);
    if (info.problem || !info.hasVideo) {
      throw new PermanentJobError(
        `${url} is not a readable video (${info.problem ?? 'no video stream'})`,
      );
    }
    const duration = info.durationSeconds;
    const offsets = (payload.offsetsSeconds ?? defaultOffsets(url, duration)).map(roundMs);
    const late = offsets.filter((offset) => duration !== null && offset >= duration);
    if (late.length > 0) {
      throw new PermanentJobError(
        `offsets ${late.join(', ')} s are past the end of ${url} (${duration} s long)`,
      );
    }
    ctx.log('info', `${url}: ${duration ?? 'unknown'} s, frames at ${offsets.join(', ')} s`);
    const sharp = (await loadSharp()).default;
    const thumbnails: Thumbnail[] = [];
    for (const [i, offsetSeconds] of offsets.entries()) {
      stopIfAborted(ctx.signal, 'thumbnail-generation');
      const frame = join(dir, `frame-${i}.png`);
      if (!(await extractFrame(video, offsetSeconds, frame, ctx.signal))) {
        throw new PermanentJobError(`${url} has no frame at ${offsetSeconds} s`);
      }
      for (const width of widths) {
        const image = sharp(frame).resize({ width });
        const { data, info: out } = await (
          format === 'webp' ? image.webp() : image.jpeg()
        ).toBuffer({ resolveWithObject: true });
        const key = thumbnailKey(prefix, offsetSeconds, width, format);
        await ctx.services.s3
          .send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: data,
              ContentType: CONTENT_TYPE[format],
            }),
            { abortSignal: ctx.signal },
          )
          .catch((error: unknown) => {
            throw awsFailure(
              error,
              `thumbnail ${formatS3Url({ bucket, key })} could not be written`,
            );
          });
        thumbnails.push({
          url: formatS3Url({ bucket, key }),
          key,
          offsetSeconds,
          width: out.width,
          height: out.height,
          bytes: data.length,
          format,
        });
      }
      ctx.progress(Math.round(((i + 1) / offsets.length) * 100));
    }
    return { thumbnails, durationSeconds: duration };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `<space>episodes/<episodeId>/thumbnails/`, or `<space>thumbnails/<jobId>/` without an episode. */
function defaultPrefix(space: string, payload: ThumbnailPayload, ctx: HandlerContext): string {
  return payload.episodeId !== undefined
    ? `${space}episodes/${payload.episodeId}/thumbnails/`
    : `${space}thumbnails/${ctx.jobId}/`;
}

function defaultOffsets(source: string, duration: number | null): number[] {
  if (duration === null || duration <= 0) {
    throw new PermanentJobError(
      `${source} does not state its duration: give offsetsSeconds explicitly`,
    );
  }
  return evenlySpacedOffsets(duration, DEFAULT_FRAME_COUNT);
}

/**
 * Copies the video to a local file (ffmpeg needs to seek in an mp4), at most
 * THUMBNAIL_MAX_SOURCE_BYTES: a larger object is refused from its stated size before a byte is
 * read, and the copy stops as soon as it passes the limit whatever the size said.
 */
async function download(ctx: HandlerContext, source: S3Location, file: string): Promise<void> {
  const max = ctx.services.settings.thumbnailMaxSourceBytes;
  const tooLarge = (bytes: string) =>
    new PermanentJobError(
      `the source video is ${bytes} bytes, over the limit of ${max} (THUMBNAIL_MAX_SOURCE_BYTES)`,
    );
  const { body, size } = await openS3Object(ctx.services.s3, source, ctx.signal, 'video');
  if (size > max) {
    body.destroy();
    throw tooLarge(String(size));
  }
  let read = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      done(read > max ? tooLarge(`more than ${max}`) : null, chunk);
    },
  });
  await pipeline(body, limit, createWriteStream(file), { signal: ctx.signal });
}

export const thumbnailGeneration: HandlerDefinition<ThumbnailPayload, ThumbnailResult> = {
  type: 'thumbnail-generation',
  description: 'Grabs frames of a video in S3, resizes them and writes the thumbnails back to S3',
  payload: ThumbnailPayload,
  storage: thumbnailStorage,
  run: generateThumbnails,
  timeoutMs: 900_000,
  concurrency: 2,
};
