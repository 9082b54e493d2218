import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { JobStatus } from '@app/database';
import type { HandlerDefinition } from '@app/handlers';
import { IsInt, Max, Min } from 'class-validator';
import type { CancelJobResponseDto } from '../../apps/api/src/jobs/dto/cancel-job.response.dto';
import type { UploadResponseDto } from '../../apps/api/src/uploads/dto/upload.response.dto';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
  type Wire,
} from '../e2e/support/api-fixture';
import { requireTestEnv } from '../support/test-env';
import { makeTestVideo } from '../support/video-fixture';

class StubbornPayload {
  @Max(10_000) @Min(0) @IsInt() ignoreAbortMs!: number;
}

/** A handler that keeps running for a while after it is asked to stop (as a slow one would). */
const stubborn: HandlerDefinition<StubbornPayload> = {
  type: 'stubborn',
  payload: StubbornPayload,
  run: async (payload, ctx) => {
    ctx.progress(1);
    await new Promise<void>((resolve) => {
      ctx.signal.addEventListener('abort', () => setTimeout(resolve, payload.ignoreAbortMs), {
        once: true,
      });
    });
    throw new Error('stopped late');
  },
};

const CANCEL_WAIT_MS = 1500;

describe("security: the specification's contract, taken literally", () => {
  let fx: ApiFixture;
  let s3: S3Client;
  const bucket = `spec-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const endpoint = requireTestEnv('sqsEndpoint');
    const storage = { endpoint, mediaBucket: bucket, uploadMaxBytes: 50_000_000 };
    fx = await createApiFixture({
      types: [stubborn],
      overrides: { storage, processor: { cancelWaitMs: CANCEL_WAIT_MS } },
    });
    s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await fx.startWorker({ storage });
  });
  afterAll(async () => {
    s3.destroy();
    await fx.close();
  });

  const as = (sub: string) => bearer(fx.token(sub));
  const post = (sub: string, jobType: string, payload: object) =>
    fx.http().post('/api/v1/jobs').set(as(sub)).send({ jobType, payload });

  it("uploads a video without AWS credentials and runs the specification's example on it, thumbnails under the episode", async () => {
    const video = await makeTestVideo({ seconds: 2, width: 320, height: 180 });
    const res = await fx
      .http()
      .post('/api/v1/uploads')
      .set(as('alice'))
      .send({ filename: 'episode.mp4', contentType: 'video/mp4', contentLength: video.length });
    expect(res.status).toBe(201);
    const upload = body<Wire<UploadResponseDto>>(res).data;
    expect(upload.s3Url).toMatch(
      new RegExp(`^s3://${bucket}/users/alice/uploads/[0-9a-f-]{36}/episode\\.mp4$`),
    );
    expect(new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-type;host',
    );
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: video });
    expect(put.status).toBe(200);

    const episodeId = randomUUID();
    const created = await post('alice', 'thumbnail-generation', {
      episodeId,
      videoUrl: upload.s3Url,
    });
    expect(created.status).toBe(202);
    const id = (created.body as { data: { id: string } }).data.id;
    await fx.waitFor(id, (j) => j.status === JobStatus.Completed, 30_000);
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `users/alice/episodes/${episodeId}/` }),
    );
    expect((listed.Contents ?? []).map((o) => o.Key)).toHaveLength(3);
  });

  it("refuses the specification's example pointing outside the caller's space, naming the allowed prefix", async () => {
    // the specification's request, word for word: only the place is refused
    const res = await post('alice', 'thumbnail-generation', {
      episodeId: 'uuid',
      videoUrl: 's3://bucket/video.mp4',
    });
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error.details).toEqual([
      {
        field: 'payload.videoUrl',
        message: `payload.videoUrl must be under s3://${bucket}/users/alice/`,
      },
    ]);
  });

  it('gives no upload URL over UPLOAD_MAX_BYTES or for another content type', async () => {
    for (const [dto, field] of [
      [
        { filename: 'big.mp4', contentType: 'video/mp4', contentLength: 50_000_001 },
        'contentLength',
      ],
      [{ filename: 'x.html', contentType: 'text/html', contentLength: 10 }, 'contentType'],
      [{ filename: '../x.mp4', contentType: 'video/mp4', contentLength: 10 }, 'filename'],
    ] as const) {
      const res = await fx.http().post('/api/v1/uploads').set(as('alice')).send(dto);
      expect(res.status).toBe(400);
      expect(body<ErrorBody>(res).error.details.map((d) => d.field)).toEqual([field]);
    }
  });

  it('cancels a running job with 200 cancelled when its handler stops within CANCEL_WAIT_MS', async () => {
    const created = await post('bob', 'echo', { message: 'long', delayMs: 20_000 });
    const id = (created.body as { data: { id: string } }).data.id;
    await fx.waitFor(id, (j) => j.status === JobStatus.Processing && j.progress > 0);
    const res = await fx.http().put(`/api/v1/jobs/${id}/cancel`).set(as('bob'));
    expect(res.status).toBe(200);
    expect(body<Wire<CancelJobResponseDto>>(res)).toEqual({ data: { id, status: 'cancelled' } });
  });

  it('answers 202 cancelRequested only when the handler is still running after CANCEL_WAIT_MS', async () => {
    const created = await post('bob', 'stubborn', { ignoreAbortMs: CANCEL_WAIT_MS + 2000 });
    const id = (created.body as { data: { id: string } }).data.id;
    await fx.waitFor(id, (j) => j.status === JobStatus.Processing && j.progress > 0);
    const asked = Date.now();
    const res = await fx.http().put(`/api/v1/jobs/${id}/cancel`).set(as('bob'));
    expect(Date.now() - asked).toBeGreaterThanOrEqual(CANCEL_WAIT_MS);
    expect(res.status).toBe(202);
    expect(body<Wire<CancelJobResponseDto>>(res)).toEqual({
      data: { id, status: 'processing', cancelRequested: true },
    });
    await fx.waitFor(id, (j) => j.status === JobStatus.Cancelled, 10_000);
  });

  it('records in queue_messages when each message was processed (the claim) and deleted from SQS', async () => {
    const created = await post('carol', 'echo', { message: 'hi' });
    const id = (created.body as { data: { id: string } }).data.id;
    await fx.waitFor(id, (j) => j.status === JobStatus.Completed);
    const rows = await eventually(
      () =>
        fx.db.dataSource.query<
          { processed: boolean; deleted: boolean; handle: boolean; at_claim: boolean }[]
        >(
          `SELECT q.processed_at IS NOT NULL AS processed, q.deleted_at IS NOT NULL AS deleted,
                  q.receipt_handle IS NOT NULL AS handle, q.processed_at = j.started_at AS at_claim
           FROM queue_messages q JOIN jobs j ON j.id = q.job_id WHERE q.job_id = $1`,
          [id],
        ),
      (r) => r.length === 1 && r[0].deleted,
    );
    expect(rows).toEqual([{ processed: true, deleted: true, handle: true, at_claim: true }]);
  });
});
