import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  type HandlerContext,
  isPermanent,
  thumbnailGeneration,
  ThumbnailPayload,
} from '@app/handlers';
import { plainToInstance } from 'class-transformer';
import { createHandlerHarness, type HandlerHarness } from '../support/handler-harness';
import { makeTestVideo } from '../support/video-fixture';
import { DENIED_ARN, startAwsDeniedServer } from './support/aws-denied-server';

const run = (payload: Partial<ThumbnailPayload>, ctx: HandlerContext) =>
  thumbnailGeneration.run(plainToInstance(ThumbnailPayload, payload), ctx);

/** The error a run ends with (it must fail). */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('the job succeeded');
  return error;
}

describe('security: ffmpeg reads the local copy of the source, and nothing else', () => {
  let h: HandlerHarness;
  let server: Server;
  let fetched: string[];
  let url: string;

  beforeAll(async () => {
    h = await createHandlerHarness();
    fetched = [];
    server = createServer((req, res) => {
      fetched.push(req.url ?? '');
      res.end('not a video');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await h.close();
  });

  const put = (key: string, body: string | Buffer) =>
    h.s3.send(new PutObjectCommand({ Bucket: h.bucket, Key: key, Body: body }));

  it('refuses an HLS playlist naming a URL, without fetching it', async () => {
    const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n${url}/internal/segment.ts\n#EXT-X-ENDLIST\n`;
    await put('users/alice/evil.mp4', playlist);
    const { ctx } = h.context();
    const error = await failureOf(run({ source: `s3://${h.bucket}/users/alice/evil.mp4` }, ctx));
    expect(isPermanent(error)).toBe(true);
    expect(error.message).toContain('is not a readable video');
    expect(fetched).toEqual([]);
  });

  it('opens every input with the file protocol only and among video containers only', async () => {
    // a wrapper that records each ffmpeg command line, then runs the real ffmpeg
    const realFfmpeg = process.env.FFMPEG_PATH?.trim() || 'ffmpeg';
    const dir = await mkdtemp(join(tmpdir(), 'ffmpeg-args-'));
    const log = join(dir, 'args.log');
    const wrapper = join(dir, 'ffmpeg');
    await writeFile(wrapper, `#!/bin/sh\necho "$*" >> '${log}'\nexec ${realFfmpeg} "$@"\n`);
    await chmod(wrapper, 0o755);
    await put('users/alice/clip.mp4', await makeTestVideo({ seconds: 2, width: 320, height: 240 }));
    const before = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = wrapper;
    try {
      const { ctx } = h.context();
      await run({ source: `s3://${h.bucket}/users/alice/clip.mp4`, offsetsSeconds: [1] }, ctx);
    } finally {
      if (before === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = before;
    }
    const commands = (await readFile(log, 'utf8')).trim().split('\n');
    expect(commands.length).toBeGreaterThanOrEqual(2); // the probe and a frame
    for (const command of commands) {
      expect(command).toMatch(/-protocol_whitelist file -format_whitelist \S+ -i /);
      expect(command.match(/ -i /g)).toHaveLength(1);
    }
    await rm(dir, { recursive: true, force: true });
  });
});

describe('security: a thumbnail source is at most THUMBNAIL_MAX_SOURCE_BYTES', () => {
  let h: HandlerHarness;

  beforeAll(async () => {
    h = await createHandlerHarness({ settings: { thumbnailMaxSourceBytes: 4096 } });
    const bytes = await makeTestVideo({ seconds: 2, width: 320, height: 240 });
    await h.s3.send(
      new PutObjectCommand({ Bucket: h.bucket, Key: 'users/alice/big.mp4', Body: bytes }),
    );
  });
  afterAll(() => h.close());

  it('fails for good naming the limit, leaving no copy behind', async () => {
    const { ctx } = h.context();
    const error = await failureOf(run({ source: `s3://${h.bucket}/users/alice/big.mp4` }, ctx));
    expect(isPermanent(error)).toBe(true);
    expect(error.message).toMatch(/over the limit of 4096 \(THUMBNAIL_MAX_SOURCE_BYTES\)/);
    const left = (await readdir(tmpdir())).filter((n) => n.startsWith(`thumbnails-${ctx.jobId}-`));
    expect(left).toEqual([]);
  });
});

describe('security: a job owner reads a stable message, not AWS text', () => {
  let h: HandlerHarness;
  let denied: Awaited<ReturnType<typeof startAwsDeniedServer>>;

  beforeAll(async () => {
    h = await createHandlerHarness();
    denied = await startAwsDeniedServer();
  });
  afterAll(async () => {
    await denied.close();
    await h.close();
  });

  it('names the object and the AWS error only when S3 refuses the worker role', async () => {
    const s3 = new S3Client({
      endpoint: denied.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const { ctx } = h.context({ services: { ...h.services, s3 } });
    const source = `s3://${h.bucket}/users/alice/clip.mp4`;
    const error = await failureOf(run({ source }, ctx));
    s3.destroy();
    expect(error.message).toBe(`video ${source} could not be read (AccessDenied)`);
    expect(isPermanent(error)).toBe(true);
    expect(error.message).not.toContain(DENIED_ARN);
    expect((error.cause as Error).message).toContain(DENIED_ARN); // for the worker's log
  });
});
