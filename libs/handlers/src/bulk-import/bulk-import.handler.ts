import { pipeline } from 'node:stream';
import { byteCounter } from '../byte-counter';
import type { ChildJobInput, HandlerContext, HandlerDefinition } from '../handler-context';
import { PermanentJobError } from '../permanent-job-error';
import { openS3Object, sourceLocation } from '../s3/open-s3-object';
import { requireOwned } from '../s3/storage-scope';
import { stopIfAborted } from '../stop-if-aborted';
import { BulkImportPayload, type BulkImportResult, bulkImportStorage } from './bulk-import.payload';
import { formatFromKey, readManifest } from './manifest-reader';

const TYPE = 'bulk-import';
const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_MAX_REJECTED = 1000;

/** Never children of an import, whatever BULK_IMPORT_CHILD_TYPES says: no import grows itself. */
const NEVER_CHILDREN: ReadonlySet<string> = new Set([TYPE, 'cleanup-jobs']);

/**
 * Streams a manifest from S3 and creates one child job per valid line, `batchSize` children
 * per transaction (each with its outbox row, through `services.jobs`). A line is refused, saying
 * why but never quoting the file (it may hold anything), when its type is not allowed in an
 * import (BULK_IMPORT_CHILD_TYPES), its job is invalid for the import's owner (an S3 place
 * outside the owner's space included), or the import reached BULK_IMPORT_MAX_CHILDREN: then the
 * rest of the manifest is not read. A child's idempotency key
 * is `import:<this job's id>:<line>`, so a retry of the import skips the children an earlier
 * attempt created and picks up where it stopped. Progress is bytes read over the object's size.
 */
async function importJobs(
  payload: BulkImportPayload,
  ctx: HandlerContext,
): Promise<BulkImportResult> {
  stopIfAborted(ctx.signal, TYPE);
  const source = sourceLocation(payload.source);
  requireOwned(ctx, bulkImportStorage(payload));
  const { importChildTypes, importMaxChildren } = ctx.services.settings;
  const allowed = new Set(importChildTypes.filter((t) => !NEVER_CHILDREN.has(t)));
  const notAllowed = `job type not allowed in a bulk import (allowed: ${[...allowed].sort().join(', ')})`;
  const format = payload.format ?? formatFromKey(source.key);
  if (!format) {
    throw new PermanentJobError(
      `cannot tell the format of ${payload.source} from its extension: set format to csv or jsonl`,
    );
  }
  const batchSize = payload.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxRejected = payload.maxRejected ?? DEFAULT_MAX_REJECTED;
  const { body, size } = await openS3Object(ctx.services.s3, source, ctx.signal, 'manifest');
  const read = byteCounter();
  // errors of `body` reach `read`, which the manifest reader consumes
  pipeline(body, read, () => undefined);

  const result: BulkImportResult = {
    created: 0,
    skippedExisting: 0,
    rejected: 0,
    rejectedLines: [],
    lines: 0,
    truncated: false,
  };
  let accepted = 0;
  const parent = { id: ctx.jobId, userId: ctx.userId };
  let batch: ChildJobInput[] = [];
  let reported = -1;
  const flush = async (): Promise<void> => {
    stopIfAborted(ctx.signal, TYPE);
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
    for await (const entry of readManifest(read, format)) {
      result.lines++;
      if ('error' in entry) {
        reject(entry.line, entry.error);
        continue;
      }
      if (!allowed.has(entry.jobType)) {
        reject(entry.line, notAllowed);
        continue;
      }
      const reason = ctx.services.jobs.validate(ctx.userId, entry.jobType, entry.payload);
      if (reason !== null) {
        reject(entry.line, reason);
        continue;
      }
      if (accepted >= importMaxChildren) {
        reject(
          entry.line,
          `over the limit of ${importMaxChildren} children per import: this and later lines were not imported`,
        );
        result.truncated = true;
        break;
      }
      accepted++;
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

export const bulkImport: HandlerDefinition<BulkImportPayload, BulkImportResult> = {
  type: TYPE,
  description: 'Creates a child job per line of a CSV or JSON Lines file in S3 (up to a limit)',
  payload: BulkImportPayload,
  storage: bulkImportStorage,
  run: importJobs,
  timeoutMs: 900_000,
};
