import { pipeline, type Readable, Transform } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ChildJobInput, HandlerContext, HandlerDefinition } from '../handler-context';
import { PermanentJobError } from '../permanent-job-error';
import { parseS3Url, type S3Location } from '../s3/s3-url';
import { BulkImportPayload, type BulkImportResult } from './bulk-import.payload';
import { formatFromKey, readManifest } from './manifest-reader';

const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_MAX_REJECTED = 1000;

/**
 * Streams a manifest from S3 and creates one child job per valid line, `batchSize` children
 * per transaction (each with its outbox row, through `services.jobs`). A child's idempotency key
 * is `import:<this job's id>:<line>`, so a retry of the import skips the children an earlier
 * attempt created and picks up where it stopped. Progress is bytes read over the object's size.
 */
async function importJobs(
  payload: BulkImportPayload,
  ctx: HandlerContext,
): Promise<BulkImportResult> {
  stopIfAborted(ctx.signal);
  const source = parseSource(payload.source);
  const format = payload.format ?? formatFromKey(source.key);
  if (!format) {
    throw new PermanentJobError(
      `cannot tell the format of ${payload.source} from its extension: set format to csv or jsonl`,
    );
  }
  const batchSize = payload.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxRejected = payload.maxRejected ?? DEFAULT_MAX_REJECTED;
  const { body, size } = await openManifest(ctx.services.s3, source, ctx.signal);
  const read = countBytes(body);

  const result: BulkImportResult = {
    created: 0,
    skippedExisting: 0,
    rejected: 0,
    rejectedLines: [],
    lines: 0,
  };
  const parent = { id: ctx.jobId, userId: ctx.userId };
  let batch: ChildJobInput[] = [];
  let reported = -1;
  const flush = async (): Promise<void> => {
    stopIfAborted(ctx.signal);
    if (batch.length > 0) {
      const created = await ctx.services.jobs.createChildren(parent, batch);
      result.created += created;
      result.skippedExisting += batch.length - created;
      batch = [];
    }
    const percent = size > 0 ? Math.min(99, Math.floor((read.bytes / size) * 100)) : 0;
    if (percent > reported) ctx.progress((reported = percent));
  };
  const reject = (line: number, reason: string): void => {
    result.rejected++;
    if (result.rejectedLines.length < maxRejected) result.rejectedLines.push({ line, reason });
  };

  try {
    for await (const entry of readManifest(read.stream, format)) {
      result.lines++;
      if ('error' in entry) {
        reject(entry.line, entry.error);
        continue;
      }
      const reason = ctx.services.jobs.validate(entry.jobType, entry.payload);
      if (reason !== null) {
        reject(entry.line, reason);
        continue;
      }
      batch.push({
        jobType: entry.jobType,
        payload: entry.payload as Record<string, unknown>,
        idempotencyKey: `import:${ctx.jobId}:${entry.line}`,
      });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    body.destroy();
  }
  ctx.progress(100);
  ctx.log(
    result.rejected > 0 ? 'warn' : 'info',
    `${payload.source}: ${result.lines} lines, ${result.created} jobs created, ` +
      `${result.skippedExisting} already existed, ${result.rejected} rejected`,
  );
  return result;
}

/** Like `signal.throwIfAborted()`, but always an Error (the worker's reasons are strings). */
function stopIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new Error(`bulk-import aborted: ${String(signal.reason)}`);
}

function parseSource(url: string): S3Location {
  try {
    return parseS3Url(url);
  } catch (error) {
    throw new PermanentJobError((error as Error).message);
  }
}

/** The object's body as a stream, and its size (0 when S3 does not say). */
async function openManifest(
  s3: S3Client,
  { bucket, key }: S3Location,
  signal: AbortSignal,
): Promise<{ body: Readable; size: number }> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: signal,
    });
    return { body: object.Body as Readable, size: object.ContentLength ?? 0 };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound') {
      throw new PermanentJobError(`manifest s3://${bucket}/${key} does not exist (${name})`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Passes `body` through, counting its bytes; errors of `body` reach the returned stream. */
function countBytes(body: Readable): { stream: Readable; readonly bytes: number } {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const stream = pipeline(body, counter, () => undefined);
  return {
    stream,
    get bytes() {
      return bytes;
    },
  };
}

export const bulkImport: HandlerDefinition<BulkImportPayload, BulkImportResult> = {
  type: 'bulk-import',
  payload: BulkImportPayload,
  run: importJobs,
  timeoutMs: 900_000,
};
