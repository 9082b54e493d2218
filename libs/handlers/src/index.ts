// The handlers library: the job catalogue and the job functions, with no framework imports, run
// by the worker in-process or by AWS Lambda (apps/functions). Heavy native modules (sharp) are
// loaded on first use, so importing this index stays cheap for the api.
export * from './handler-context';
export { JOB_CATALOGUE } from './catalogue';
export {
  JobCatalogue,
  type InvalidJobPayload,
  type JobCheck,
  refusalReason,
  type UnknownJobType,
} from './job-catalogue';
export { handlerSettings } from './handler-settings';
export { PermanentJobError, isPermanent } from './permanent-job-error';
export { awsFailure, errorDetail, isAwsError, ownerErrorMessage } from './owner-error';
export { PgSqlClient } from './sql/pg-sql-client';
export { createS3Client, type S3ClientOptions } from './s3/create-s3-client';
export { formatS3Url, IsS3Bucket, IsS3Url, parseS3Url, type S3Location } from './s3/s3-url';
export { openS3Object } from './s3/open-s3-object';
export {
  requireOwned,
  StorageScope,
  type StorageRef,
  type StorageScopeSettings,
} from './s3/storage-scope';
export {
  thumbnailGeneration,
  thumbnailKey,
} from './thumbnail-generation/thumbnail-generation.handler';
export * from './thumbnail-generation/thumbnail.payload';
export { exportJobs, exportKey } from './export/export-jobs.handler';
export * from './export/export.payload';
export { validatePayload, type FieldProblem, type PayloadCheck } from './payload-validation';
export { bulkImport } from './bulk-import/bulk-import.handler';
export * from './bulk-import/bulk-import.payload';
export { cleanupJobs, SYSTEM_USER } from './cleanup-jobs/cleanup-jobs.handler';
export * from './cleanup-jobs/cleanup-jobs.payload';
export { echo } from './echo/echo.handler';
export * from './echo/echo.payload';
