import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { stringify } from 'csv-stringify';
import { byteCounter } from '../byte-counter';
import { awsFailure } from '../owner-error';
import type { HandlerContext, HandlerDefinition, SqlClient } from '../handler-context';
import {
  countQuery,
  EXPORT_COLUMNS,
  type ExportFilter,
  type ExportRow,
  pageQuery,
  toJsonLine,
} from './export-query';
import { type ExportFormat, ExportPayload, type ExportResult } from './export.payload';

/** Rows per keyset page: one page is what an export holds in memory. */
const PAGE_SIZE = 2000;
/** S3's smallest part; with QUEUE_SIZE parts in flight the upload buffers at most 10 MiB. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

const EXTENSION: Record<ExportFormat, string> = { csv: 'csv', jsonl: 'jsonl' };
const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

/** Where a user's export goes: `exports/<userId>/<jobId>.<csv|jsonl>`. */
export function exportKey(userId: string, jobId: string, format: ExportFormat): string {
  return `exports/${encodeURIComponent(userId)}/${jobId}.${EXTENSION[format]}`;
}

/**
 * Writes the calling user's jobs, as of the moment the export starts (so it includes this export
 * job itself when it matches the filter), to S3 as CSV or JSON Lines. Rows stream from keyset
 * pages through the encoder into a multipart upload, with backpressure all the way, so memory
 * stays at about one page plus the parts in flight whatever the row count.
 */
async function writeExport(payload: ExportPayload, ctx: HandlerContext): Promise<ExportResult> {
  const { s3, sql, settings } = ctx.services;
  const format = payload.format ?? 'csv';
  const filter: ExportFilter = {
    userId: ctx.userId,
    statuses: payload.status === undefined ? [] : [payload.status].flat(),
    jobType: payload.jobType,
    createdFrom: instant(payload.createdFrom),
    createdTo: instant(payload.createdTo),
  };
  const bucket = settings.exportBucket;
  const key = exportKey(ctx.userId, ctx.jobId, format);

  const count = countQuery(filter);
  const [{ total, as_of: asOf }] = await sql.query<{ total: number; as_of: string }>(
    count.text,
    count.params,
  );
  ctx.log('info', `exporting ${total} jobs as ${format} to s3://${bucket}/${key}`);

  let rows = 0;
  let reported = -1;
  const onPage = (pageRows: number) => {
    rows += pageRows;
    const percent = total === 0 ? 99 : Math.min(99, Math.floor((rows / total) * 100));
    if (percent !== reported) ctx.progress((reported = percent));
  };
  const counter = byteCounter();

  const body = new PassThrough();
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: body, ContentType: CONTENT_TYPE[format] },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  // A failed upload stops reading `body`; destroying it ends the pipeline instead of stalling it.
  const uploaded = upload.done().catch((error: unknown) => {
    body.destroy(error as Error);
    throw error;
  });
  uploaded.catch(() => undefined);
  try {
    await pipeline(
      Readable.from(readRows(sql, filter, asOf, onPage)),
      encoder(format),
      counter,
      body,
      { signal: ctx.signal },
    );
    await uploaded;
  } catch (error) {
    await upload.abort().catch(() => undefined);
    throw awsFailure(error, `the export s3://${bucket}/${key} could not be written`);
  }

  const expiresIn = settings.exportUrlTtlSeconds;
  const signedAt = Date.now();
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
    expiresIn,
  });
  ctx.progress(100);
  return {
    bucket,
    key,
    format,
    rows,
    bytes: counter.bytes,
    url,
    expiresAt: new Date(signedAt + expiresIn * 1000).toISOString(),
  };
}

/** The matching rows, page by page in (created_at, id) order; `onPage` hears each page's size. */
async function* readRows(
  sql: SqlClient,
  filter: ExportFilter,
  asOf: string,
  onPage: (rows: number) => void,
): AsyncGenerator<ExportRow> {
  let after: { createdAt: string; id: string } | null = null;
  for (;;) {
    const query = pageQuery(filter, asOf, after, PAGE_SIZE);
    const page = await sql.query<ExportRow>(query.text, query.params);
    yield* page;
    onPage(page.length);
    if (page.length < PAGE_SIZE) return;
    const last = page[page.length - 1];
    after = { createdAt: last.created_at, id: last.id };
  }
}

function encoder(format: ExportFormat): Transform {
  if (format === 'csv') return stringify({ header: true, columns: [...EXPORT_COLUMNS] });
  return new Transform({
    writableObjectMode: true,
    transform(row: ExportRow, _encoding, done) {
      done(null, toJsonLine(row));
    },
  });
}

/** An ISO date or zoned date-time as the exact instant PostgreSQL should compare with. */
const instant = (value: string | undefined) =>
  value === undefined ? undefined : new Date(value).toISOString();

export const exportJobs: HandlerDefinition<ExportPayload, ExportResult> = {
  type: 'export',
  description:
    'Writes your jobs matching a filter to a CSV or JSON Lines file in S3, with a download link',
  payload: ExportPayload,
  run: writeExport,
  timeoutMs: 900_000,
};
