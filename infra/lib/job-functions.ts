/** Which bucket a function touches, and how. */
export interface BucketAccess {
  /** s3:GetObject */
  read?: boolean;
  /** s3:PutObject and s3:AbortMultipartUpload (multipart uploads) */
  write?: boolean;
  /** s3:ListBucket, so a missing key answers 404 NoSuchKey instead of 403 AccessDenied */
  list?: boolean;
}

/** One Lambda function of the functions app and what it may touch. */
export interface JobFunctionSpec {
  /** Folder under dist/functions and suffix of the deployed function name. */
  name: 'process-thumbnails' | 'process-exports' | 'process-bulk-imports' | 'cleanup-jobs';
  /** The job type it runs (the wire name in jobs.job_type), for JOB_ROUTES. */
  jobType: string;
  /** Logical-id stem of its resources. */
  id: string;
  media: BucketAccess;
  exports: BucketAccess;
  /** Needs the native layers: ffmpeg (/opt/bin/ffmpeg) and sharp, which the bundle leaves out. */
  needsMediaLayers: boolean;
  /** Creates child jobs (outbox rows the worker sends), so it reads SQS_QUEUE_URL and SQS_DLQ_URL. */
  createsJobs: boolean;
}

/**
 * The four functions. Every one talks to PostgreSQL (DATABASE_URL); S3 access is the least
 * each handler needs: thumbnails read sources and write thumbnails beside them in the media
 * bucket, exports write (multipart) and presign downloads in the exports bucket, bulk imports
 * read manifests from the media bucket, and the clean-up only deletes rows.
 */
export const JOB_FUNCTIONS: readonly JobFunctionSpec[] = [
  {
    name: 'process-thumbnails',
    jobType: 'thumbnail-generation',
    id: 'ProcessThumbnails',
    media: { read: true, write: true, list: true },
    exports: {},
    needsMediaLayers: true,
    createsJobs: false,
  },
  {
    name: 'process-exports',
    jobType: 'export',
    id: 'ProcessExports',
    media: {},
    exports: { read: true, write: true },
    needsMediaLayers: false,
    createsJobs: false,
  },
  {
    name: 'process-bulk-imports',
    jobType: 'bulk-import',
    id: 'ProcessBulkImports',
    media: { read: true, list: true },
    exports: {},
    needsMediaLayers: false,
    createsJobs: true,
  },
  {
    name: 'cleanup-jobs',
    jobType: 'cleanup-jobs',
    id: 'CleanupJobs',
    media: {},
    exports: {},
    needsMediaLayers: false,
    createsJobs: false,
  },
];
