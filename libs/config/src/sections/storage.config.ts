import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { parseBoolean, parseInteger } from '../env-validation';

/** S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting and ending alnum. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Object storage: users' own objects in MEDIA_BUCKET under STORAGE_USER_PREFIX (what jobs may read
 * and write, where uploads go), exports in EXPORT_BUCKET.
 */
export class StorageEnv {
  /** Endpoint override for an S3-compatible emulator; unset in production (the SDK picks AWS). */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  S3_ENDPOINT?: string;

  /** AWS region of the buckets. */
  @Matches(/^[a-z0-9-]+$/, { message: 'S3_REGION must look like us-east-1' })
  @IsString()
  S3_REGION = 'us-east-1';

  /** Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key`; true for emulators. */
  @Transform(parseBoolean)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  /**
   * The bucket of users' objects: videos, manifests and thumbnails. A job may name objects only
   * here, under its owner's prefix (STORAGE_USER_PREFIX); uploads (POST /api/v1/uploads) go here.
   */
  @Matches(BUCKET_NAME, { message: 'MEDIA_BUCKET must be a valid S3 bucket name' })
  @IsString()
  MEDIA_BUCKET = 'jobqueue-media';

  /**
   * A user's space in MEDIA_BUCKET: a key prefix where `{sub}` stands for the token's subject
   * (URI-encoded). It must contain `{sub}` and end with `/`. Default `users/{sub}/`.
   */
  @Matches(/^(?!\/)[^\\]*\{sub\}[^\\]*\/$/, {
    message: 'STORAGE_USER_PREFIX must contain {sub}, end with / and not start with /',
  })
  @IsString()
  STORAGE_USER_PREFIX = 'users/{sub}/';

  /** Lifetime of an upload's presigned PUT URL, in seconds (60-3600; default 300). */
  @Transform(parseInteger)
  @Min(60)
  @Max(3600)
  @IsInt()
  UPLOAD_URL_TTL_SECONDS = 300;

  /** Largest object an upload URL accepts, in bytes (at most 5 GiB, S3's single PUT; default 5 GiB). */
  @Transform(parseInteger)
  @Min(1)
  @Max(5 * 1024 ** 3)
  @IsInt()
  UPLOAD_MAX_BYTES = 5 * 1024 ** 3;

  /**
   * Largest source video a thumbnail-generation job downloads, in bytes (default 1 GiB). Checked
   * against the object's stated size before downloading and counted while downloading; a larger
   * source fails the job for good, naming this limit. Keep it under the free space of the
   * worker's and the function's temp directory.
   */
  @Transform(parseInteger)
  @Min(1024)
  @Max(50 * 1024 ** 3)
  @IsInt()
  THUMBNAIL_MAX_SOURCE_BYTES = 1024 ** 3;

  /** Bucket that `export` jobs write their files to. */
  @Matches(BUCKET_NAME, { message: 'EXPORT_BUCKET must be a valid S3 bucket name' })
  @IsString()
  EXPORT_BUCKET = 'jobqueue-exports';

  /** Lifetime of an export's presigned download URL, in seconds (S3 allows up to 7 days). */
  @Transform(parseInteger)
  @Min(60)
  @Max(604_800)
  @IsInt()
  EXPORT_URL_TTL_SECONDS = 3600;

  /** How long opening a connection to S3 may take, in ms (default 3000). */
  @Transform(parseInteger)
  @Min(100)
  @Max(60_000)
  @IsInt()
  S3_CONNECT_TIMEOUT_MS = 3000;

  /**
   * An S3 request fails when its connection stays silent this long, in ms (default 30000). A
   * bound on silence rather than on the whole request, so a large upload or a long video download
   * that keeps moving is never cut off, while a frozen endpoint is.
   */
  @Transform(parseInteger)
  @Min(1000)
  @Max(600_000)
  @IsInt()
  S3_SOCKET_TIMEOUT_MS = 30_000;
}

export interface StorageConfig {
  /** Unset: the AWS endpoint of `region`. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  mediaBucket: string;
  /** With `{sub}` for the user's id. */
  userPrefix: string;
  uploadUrlTtlSeconds: number;
  uploadMaxBytes: number;
  thumbnailMaxSourceBytes: number;
  exportBucket: string;
  exportUrlTtlSeconds: number;
  connectTimeoutMs: number;
  socketTimeoutMs: number;
}

export const toStorageConfig = (env: StorageEnv): StorageConfig => ({
  endpoint: env.S3_ENDPOINT,
  region: env.S3_REGION,
  forcePathStyle: env.S3_FORCE_PATH_STYLE,
  mediaBucket: env.MEDIA_BUCKET,
  userPrefix: env.STORAGE_USER_PREFIX,
  uploadUrlTtlSeconds: env.UPLOAD_URL_TTL_SECONDS,
  uploadMaxBytes: env.UPLOAD_MAX_BYTES,
  thumbnailMaxSourceBytes: env.THUMBNAIL_MAX_SOURCE_BYTES,
  exportBucket: env.EXPORT_BUCKET,
  exportUrlTtlSeconds: env.EXPORT_URL_TTL_SECONDS,
  connectTimeoutMs: env.S3_CONNECT_TIMEOUT_MS,
  socketTimeoutMs: env.S3_SOCKET_TIMEOUT_MS,
});
