import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsS3Url, parseS3Url } from '../s3/s3-url';
import type { StorageRef } from '../s3/storage-scope';
import type { ManifestFormat } from './manifest-reader';

export class BulkImportPayload {
  /**
   * The manifest, `s3://<MEDIA_BUCKET>/<your prefix>…`: CSV (columns jobType, payload) or JSON
   * Lines. Each line's job is checked like a job from the api, for the import's owner.
   */
  @IsS3Url()
  source!: string;

  /** Default: from the key's extension (.csv, .jsonl or .ndjson). */
  @IsOptional()
  @IsIn(['csv', 'jsonl'])
  format?: ManifestFormat;

  /** Children created per transaction (1-1000). Default 500. */
  @IsOptional()
  @Max(1000)
  @Min(1)
  @IsInt()
  batchSize?: number;

  /** Rejected lines listed in the result (0-100000); the count covers them all. Default 1000. */
  @IsOptional()
  @Max(100_000)
  @Min(0)
  @IsInt()
  maxRejected?: number;
}

/** The manifest is the one S3 place an import names. */
export const bulkImportStorage = (payload: BulkImportPayload): StorageRef[] => [
  { field: 'payload.source', ...parseS3Url(payload.source) },
];

export interface RejectedLine {
  /** The file's own line number (1-based; a CSV header is line 1). */
  line: number;
  reason: string;
}

export interface BulkImportResult {
  /** Children this run created. */
  created: number;
  /** Valid lines whose child an earlier attempt of this import had already created. */
  skippedExisting: number;
  /** Every invalid line. */
  rejected: number;
  /** The first `maxRejected` invalid lines, in file order. */
  rejectedLines: RejectedLine[];
  /** Non-blank lines read (a CSV header excluded). */
  lines: number;
  /**
   * True when the import stopped at its limit of children (BULK_IMPORT_MAX_CHILDREN): the line
   * over the limit is rejected with that reason and the rest of the manifest is not read.
   */
  truncated: boolean;
}
